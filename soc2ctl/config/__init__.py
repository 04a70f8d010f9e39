"""Reading what the user wrote: inventories, playbooks, their schemas, host patterns, templates."""
