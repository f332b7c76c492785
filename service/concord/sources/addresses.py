"""Which IP addresses the fetcher may connect to.

A URL is only as safe as the address its host resolves to, so the check is on addresses (after
DNS, and again for every redirect), never on host names. Public addresses are allowed; loopback
and private networks only where the policy says so (the CLI: yes, the HTTP service: no, unless
configured); link-local (which holds the cloud metadata endpoints), multicast, unspecified and
reserved addresses only when an operator lists them in ``allow_networks``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
AddressKind = Literal[
    "public", "loopback", "private", "link-local", "metadata", "multicast", "unspecified",
    "reserved",
]  # fmt: skip

# Cloud instance-metadata endpoints (AWS, GCP, Azure, OpenStack share the IPv4 one; AWS's IPv6
# one is unique-local, so a private-network switch alone must not open it).
METADATA = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)
_WITH_PRIVATE: frozenset[AddressKind] = frozenset({"loopback", "private"})


def address_kind(address: IPAddress) -> AddressKind:
    """What kind of address this is, for the policy; an IPv4-mapped IPv6 address is its IPv4."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    kind: AddressKind = "public"
    if address in METADATA:
        kind = "metadata"
    elif address.is_unspecified:
        kind = "unspecified"
    elif address.is_loopback:
        kind = "loopback"
    elif address.is_link_local:
        kind = "link-local"
    elif address.is_multicast:
        kind = "multicast"
    elif address.is_reserved:
        kind = "reserved"
    elif address.is_private or not address.is_global:  # RFC 1918, fc00::/7, 100.64/10 …
        kind = "private"
    return kind


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Which addresses may be fetched: public ones, plus what the settings open up."""

    allow_private: bool = False
    allow_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, allow_private: bool, networks: list[str]) -> AddressPolicy:
        """A policy from the settings' strings; a bad network is a ``ValueError`` naming it."""
        parsed = []
        for network in networks:
            try:
                parsed.append(ipaddress.ip_network(network, strict=False))
            except ValueError:
                raise ValueError(f"not an address or CIDR network: {network!r}") from None
        return cls(allow_private, tuple(parsed))

    def refusal(self, address: IPAddress) -> AddressKind | None:
        """None if ``address`` may be fetched, else the kind of address that is refused."""
        if any(address in network for network in self.allow_networks):
            return None
        kind = address_kind(address)
        if kind == "public" or (self.allow_private and kind in _WITH_PRIVATE):
            return None
        return kind
