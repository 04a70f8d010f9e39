"""Sessions, retries, call recording and client reuse: everything that talks to botocore."""
