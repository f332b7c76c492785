"""Which addresses the page fetcher may connect to, kind by kind."""

from __future__ import annotations

import ipaddress

import pytest

from concord.errors import ConfigurationError
from concord.settings import load_settings
from concord.sources.addresses import AddressPolicy, address_kind


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("93.184.215.14", "public"),
        ("2606:4700:4700::1111", "public"),
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped: judged as its IPv4 address
        ("10.1.2.3", "private"),
        ("172.16.0.9", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "private"),  # carrier-grade NAT: not global
        ("fd12:3456::1", "private"),
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("::ffff:169.254.169.254", "metadata"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
    ],
)
def test_address_kinds(address: str, kind: str) -> None:
    assert address_kind(ipaddress.ip_address(address)) == kind


def test_the_default_policy_allows_only_public_addresses() -> None:
    policy = AddressPolicy()
    assert policy.refusal(ipaddress.ip_address("93.184.215.14")) is None
    assert policy.refusal(ipaddress.ip_address("127.0.0.1")) == "loopback"
    assert policy.refusal(ipaddress.ip_address("10.0.0.1")) == "private"


def test_allowing_private_addresses_keeps_link_local_and_metadata_refused() -> None:
    policy = AddressPolicy(allow_private=True)
    assert policy.refusal(ipaddress.ip_address("127.0.0.1")) is None
    assert policy.refusal(ipaddress.ip_address("192.168.0.10")) is None
    assert policy.refusal(ipaddress.ip_address("169.254.169.254")) == "metadata"
    assert policy.refusal(ipaddress.ip_address("fd00:ec2::254")) == "metadata"
    assert policy.refusal(ipaddress.ip_address("fe80::1")) == "link-local"


def test_an_allow_list_opens_exactly_its_networks() -> None:
    policy = AddressPolicy.parse(False, ["10.20.0.0/16", "169.254.169.254"])
    assert policy.refusal(ipaddress.ip_address("10.20.5.5")) is None
    assert policy.refusal(ipaddress.ip_address("10.21.0.1")) == "private"
    assert policy.refusal(ipaddress.ip_address("169.254.169.254")) is None
    assert policy.refusal(ipaddress.ip_address("::1")) == "loopback"


def test_a_bad_network_in_the_settings_is_named() -> None:
    with pytest.raises(ValueError, match=r"'10\.0\.0\.0/33'"):
        AddressPolicy.parse(False, ["10.0.0.0/33"])


def test_a_bad_network_fails_when_the_settings_load() -> None:
    with pytest.raises(ConfigurationError, match=r"fetch\.allow_networks"):
        load_settings(fetch={"allow_networks": ["intranet"]})
