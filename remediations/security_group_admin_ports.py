"""No security group admits the whole internet (0.0.0.0/0 or ::/0) to administration or database ports.

The default ports are the union of every port Prowler tests for internet exposure, so with the defaults
this control fails wherever one of the named Prowler checks fails:
- the security-group checks `ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_*` (22, 3389, FTP,
  telnet, databases, caches, search, Kafka), `..._to_high_risk_tcp_ports` (25, 110, 135, 143, 445, 3000,
  4333, 5000, 5500, 8080, 8088) and `..._to_all_ports` (protocol -1, or a rule over ports 0-65535);
- the instance checks `ec2_instance_port_*_exposed_to_internet`, which test the same open-to-internet rule
  on the security groups attached to each instance (adding LDAP, Kerberos, CIFS and more Cassandra ports):
  no group open on those ports, no instance exposed by one.
Like Prowler, a rule counts when its source is exactly 0.0.0.0/0 or ::/0, its protocol is TCP or all, and
its port range covers a listed port. Prowler skips unused groups; this control checks every group.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import Field

from remediations._aws import paginate
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext

INTERNET = {"IpRanges": ("CidrIp", "0.0.0.0/0"), "Ipv6Ranges": ("CidrIpv6", "::/0")}
DEFAULT_PORTS = (
    20, 21, 22, 23, 25, 88, 110, 135, 139, 143, 389, 445, 464, 636, 749, 750, 1433, 1434, 1521, 2483,
    2484, 3000, 3306, 3389, 4333, 5000, 5432, 5500, 5601, 6379, 7000, 7001, 7199, 8080, 8088, 8888, 9042,
    9092, 9160, 9200, 9300, 11211, 27017, 27018,
)  # fmt: skip


class SecurityGroupAdminPortsParams(Params):
    ports: list[Annotated[int, Field(ge=0, le=65535)]] | None = Field(
        default=None, description="TCP ports never open to the internet; null: every port Prowler tests."
    )
    revoke: bool = Field(
        default=False, description="High risk: revoke the internet rules found; false: report only."
    )


def exposed(perm: dict[str, Any], ports: Sequence[int]) -> bool:
    """Whether an ingress permission (source aside) opens all traffic, all ports, or a listed TCP port."""
    protocol = perm["IpProtocol"]
    if protocol == "-1":
        return True
    low, high = perm.get("FromPort", 0), perm.get("ToPort", 65535)
    if (low, high) == (0, 65535):
        return True
    return protocol in ("tcp", "6") and any(low <= port <= high for port in ports)


def open_rules(group: dict[str, Any], ports: Sequence[int]) -> list[dict[str, Any]]:
    """The group's offending rules, one per internet source, sorted: stable state to compare."""
    rules = []
    for perm in group.get("IpPermissions", []):
        if not exposed(perm, ports):
            continue
        for field, (key, cidr) in INTERNET.items():
            if any(item.get(key) == cidr for item in perm.get(field, [])):
                rule = {"protocol": perm["IpProtocol"], "source": cidr}
                if perm["IpProtocol"] != "-1":
                    rule |= {"from_port": perm.get("FromPort"), "to_port": perm.get("ToPort")}
                rules.append(rule)
    return sorted(rules, key=lambda r: (r["protocol"], r.get("from_port") or 0, r["source"]))


def _permission(rule: dict[str, Any]) -> dict[str, Any]:
    """The exact IpPermission that revokes one rule's internet source (other sources stay)."""
    field = "Ipv6Ranges" if ":" in rule["source"] else "IpRanges"
    perm: dict[str, Any] = {"IpProtocol": rule["protocol"], field: [{INTERNET[field][0]: rule["source"]}]}
    if rule["protocol"] != "-1":
        perm |= {"FromPort": rule["from_port"], "ToPort": rule["to_port"]}
    return perm


class SecurityGroupAdminPorts(Remediation[SecurityGroupAdminPortsParams]):
    """No security group opens administration or database ports to 0.0.0.0/0 or ::/0 (detect; `revoke`
    removes those rules' internet sources, keeping the rules' other sources)."""

    name = "security-group-admin-ports"
    scope = Scope.REGION
    risk = "high"  # revoking cuts off whoever reaches those ports over the internet (admins, clients)
    criteria = ("CC6.1", "CC6.6")
    prowler_checks = (
        "ec2_securitygroup_allow_ingress_from_internet_to_all_ports",
        "ec2_securitygroup_allow_ingress_from_internet_to_high_risk_tcp_ports",
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22",
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389",
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_cassandra_7199_9160_8888",
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_elasticsearch_kibana_9200_9300_5601",
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_ftp_20_21",
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_kafka_9092",
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_memcached_11211",
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_mongodb_27017_27018",
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_mysql_3306",
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_oracle_1521_2483",
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_postgres_5432",
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_redis_6379",
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_sql_server_1433_1434",
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_telnet_23",
        "ec2_instance_port_cassandra_exposed_to_internet",
        "ec2_instance_port_cifs_exposed_to_internet",
        "ec2_instance_port_elasticsearch_kibana_exposed_to_internet",
        "ec2_instance_port_ftp_exposed_to_internet",
        "ec2_instance_port_kafka_exposed_to_internet",
        "ec2_instance_port_kerberos_exposed_to_internet",
        "ec2_instance_port_ldap_exposed_to_internet",
        "ec2_instance_port_memcached_exposed_to_internet",
        "ec2_instance_port_mongodb_exposed_to_internet",
        "ec2_instance_port_mysql_exposed_to_internet",
        "ec2_instance_port_oracle_exposed_to_internet",
        "ec2_instance_port_postgresql_exposed_to_internet",
        "ec2_instance_port_rdp_exposed_to_internet",
        "ec2_instance_port_redis_exposed_to_internet",
        "ec2_instance_port_sqlserver_exposed_to_internet",
        "ec2_instance_port_ssh_exposed_to_internet",
        "ec2_instance_port_telnet_exposed_to_internet",
    )
    config_rules = ("restricted-ssh", "restricted-common-ports")
    securityhub_controls = ("EC2.13", "EC2.14", "EC2.19", "EC2.53", "EC2.54")
    read_actions = ("ec2:DescribeSecurityGroups",)
    write_actions = ("ec2:RevokeSecurityGroupIngress",)
    detect_only = True
    human_step = (
        "Replace each internet rule with the sources that need the port (a VPN or office CIDR, a load "
        "balancer's security group), or use Systems Manager Session Manager instead of open SSH/RDP; then "
        "revoke the 0.0.0.0/0 and ::/0 rule (or set revoke: true)."
    )

    def detects_only(self, params: SecurityGroupAdminPortsParams) -> bool:
        return not params.revoke

    def read(self, ctx: TaskContext, params: SecurityGroupAdminPortsParams) -> dict[str, Any]:
        groups = paginate(ctx.client("ec2"), "describe_security_groups", "SecurityGroups")
        ports = DEFAULT_PORTS if params.ports is None else params.ports
        return {
            ctx.arn("ec2", f"security-group/{g['GroupId']}"): {"internet_ingress": open_rules(g, ports)}
            for g in groups
        }

    def desired(
        self, ctx: TaskContext, params: SecurityGroupAdminPortsParams, observed: Any
    ) -> dict[str, Any]:
        return {arn: {"internet_ingress": []} for arn in observed}

    def apply(self, ctx: TaskContext, change: PlannedChange[SecurityGroupAdminPortsParams]) -> None:
        ec2 = ctx.client("ec2")
        for arn in change.changed_keys():
            rules = change.observed[arn]["internet_ingress"]
            ec2.revoke_security_group_ingress(
                GroupId=arn.rsplit("/", 1)[1], IpPermissions=[_permission(r) for r in rules]
            )
