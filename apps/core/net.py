"""The client's address, for throttling, login lockout (django-axes) and logs.

``REMOTE_ADDR`` is the peer that opened the connection. Behind a reverse proxy that is the proxy, so every
citizen would share one address; the proxy names the client in ``X-Forwarded-For``. That header is
written by whoever sends the request, so it is believed only when the peer is one of ``TRUSTED_PROXIES``
(addresses or CIDR networks; ``"unix"`` for a proxy on a Unix socket, whose peer has no address), and
then only up to the first hop that is not a trusted proxy: the list is walked right to left, and the
first address not in ``TRUSTED_PROXIES`` is the client. Anything a client wrote further left is ignored.
"""
import functools
import ipaddress

from django.conf import settings

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[tuple[IPNetwork, ...], bool]:
    """(networks, unix) from the TRUSTED_PROXIES entries; a malformed entry is a configuration error."""
    networks, unix = [], False
    for entry in entries:
        entry = entry.strip()
        if not entry:
            continue
        if entry.lower() == "unix":
            unix = True
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured(f"TRUSTED_PROXIES: {entry!r} is neither an address nor a CIDR network")
    return tuple(networks), unix


def _trusted() -> tuple[tuple[IPNetwork, ...], bool]:
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))


def parse_ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address from a header or REMOTE_ADDR (``[v6]``, ``v4:port`` and IPv4-mapped IPv6 accepted), or None."""
    value = (value or "").strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1] or [2001:db8::1]:443
        value = value[1:value.index("]")]
    elif value.count(":") == 1:  # 203.0.113.7:51234
        value = value.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return ip.ipv4_mapped
    return ip


def is_trusted_proxy(ip) -> bool:
    networks, _ = _trusted()
    return ip is not None and any(ip in net for net in networks)


def client_ip(request) -> str:
    """The client's address as a string ("" when the server gave none). Works on Django and DRF requests;
    django-axes calls it as ``AXES_CLIENT_IP_CALLABLE``."""
    meta = request.META
    remote_raw = meta.get("REMOTE_ADDR") or ""
    remote = parse_ip(remote_raw)
    _, unix = _trusted()
    peer_trusted = is_trusted_proxy(remote) if remote is not None else (unix and not remote_raw)
    if not peer_trusted:
        return str(remote) if remote is not None else remote_raw.strip()
    hops = [h for h in (meta.get("HTTP_X_FORWARDED_FOR") or "").split(",") if h.strip()]
    client = str(remote) if remote is not None else ""
    for hop in reversed(hops):
        ip = parse_ip(hop)
        if ip is None:  # garbage where an address should be: stop at the last hop we could believe
            break
        client = str(ip)
        if not is_trusted_proxy(ip):
            break
    return client
