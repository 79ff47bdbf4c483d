using System;
using System.Net;
using System.Net.Sockets;

namespace StepOperator.Docker;

/// <summary>
/// Hosts that name this machine only: <c>localhost</c> and <c>*.localhost</c>, 127.0.0.0/8, <c>::1</c>, and the
/// unspecified addresses 0.0.0.0 and <c>::</c>. Another machine (Modal's servers) cannot reach a service at them.
/// ZenML treats a container registry at <c>localhost:PORT</c> as local and refuses it for remote components
/// (src/zenml/container_registries/base_container_registry.py, <c>is_local</c>;
/// src/zenml/integrations/modal/utils.py, <c>get_modal_stack_validator</c>); this covers every loopback spelling.
/// </summary>
public static class LocalHosts
{
    /// <summary>True when <paramref name="host"/> (a name or an address, IPv6 with or without brackets) is this machine only.</summary>
    public static bool IsLocal(string host)
    {
        var name = host.Trim().TrimEnd('.');
        if (name.StartsWith('[') && name.EndsWith(']'))
        {
            name = name[1..^1];
        }

        if (string.Equals(name, "localhost", StringComparison.OrdinalIgnoreCase) ||
            name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (!IPAddress.TryParse(name, out var address))
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return IPAddress.IsLoopback(address) ||
            address.Equals(address.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any);
    }

    /// <summary>
    /// The host of a registry server as registered: "127.0.0.1:5000" → "127.0.0.1", "[::1]:5000" → "::1",
    /// "ghcr.io" → "ghcr.io" (a scheme or a path, if written, are left out).
    /// </summary>
    public static string HostOfServer(string server)
    {
        var text = server.Trim();
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            text = text[(scheme + 3)..];
        }

        var slash = text.IndexOf('/');
        if (slash >= 0)
        {
            text = text[..slash];
        }

        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            return close > 0 ? text[1..close] : text;
        }

        // One colon separates a port; more than one is a bare IPv6 address.
        var colon = text.IndexOf(':');
        return colon >= 0 && colon == text.LastIndexOf(':') ? text[..colon] : text;
    }

    /// <summary>True when the URL's host is this machine only; false for a URL that cannot be read.</summary>
    public static bool IsLocalUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && IsLocal(uri.Host);
}
