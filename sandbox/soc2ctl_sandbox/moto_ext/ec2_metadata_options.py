"""EC2: ModifyInstanceMetadataOptions erases every option the request leaves out.

In AWS an option left out of the request keeps its value. moto builds new options from the request alone,
so `--http-tokens required` alone leaves HttpEndpoint (and the hop limit, IPv6, tags) unset: Prowler's
`ec2_instance_imdsv2_enabled` (tokens required AND endpoint enabled) then still failed an instance that
`ec2-imdsv2-instances` had fixed. Here the options left out keep the instance's current values.
"""

from __future__ import annotations

from typing import Any

_KEPT = {  # keyword of moto's backend method -> attribute of moto's MetadataOptions
    "http_tokens": "http_tokens",
    "hop_limit": "http_put_response_hop_limit",
    "http_endpoint": "http_endpoint",
    "http_protocol": "http_protocol_ipv6",
    "metadata_tags": "instance_metadata_tags",
}


def apply() -> None:
    from moto.ec2.models.instances import InstanceBackend

    original = InstanceBackend.modify_instance_metadata_options

    def modify_instance_metadata_options(self: Any, instance_id: str, **options: Any) -> Any:
        current = self.get_instance(instance_id).metadata_options
        for keyword, attribute in _KEPT.items():
            if options.get(keyword) is None:
                options[keyword] = getattr(current, attribute)
        return original(self, instance_id, **options)

    InstanceBackend.modify_instance_metadata_options = modify_instance_metadata_options
