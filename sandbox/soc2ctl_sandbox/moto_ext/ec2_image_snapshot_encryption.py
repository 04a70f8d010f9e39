"""EC2: CreateImage makes an unencrypted snapshot whatever the instance's root volume is.

In AWS the image's snapshot of an encrypted root volume is encrypted. moto snapshots a new, unencrypted
15 GiB volume instead, so `ebs-snapshot-encryption` would flag every image made from an encrypted instance.
Here the image's snapshot is encrypted (with the volume's key) when the instance's volumes are.
"""

from __future__ import annotations

from typing import Any


def apply() -> None:
    from moto.ec2.models.amis import AmiBackend

    original = AmiBackend.create_image

    def create_image(self: Any, instance_id: str, *args: Any, **kwargs: Any) -> Any:
        ami = original(self, instance_id, *args, **kwargs)
        mapping = dict(self.get_instance(instance_id).get_block_device_mapping)
        volumes = [self.get_volume(block.volume_id) for block in mapping.values()]
        if volumes and all(v.encrypted for v in volumes):  # moto may name the root device unlike the mapping
            ami.ebs_snapshot.encrypted = True
            ami.ebs_snapshot.kms_key_id = volumes[0].kms_key_id
        return ami

    AmiBackend.create_image = create_image
