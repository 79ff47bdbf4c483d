using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace StepOperator.Artifacts;

/// <summary>
/// A remote store's location split into its parts: <c>scheme://container[/prefix][?name=value&amp;...]</c>.
/// Parsed by hand rather than with <see cref="Uri"/>, which lower-cases and re-escapes the host and
/// path; the container and the prefix must come back exactly as written.
/// </summary>
public sealed record StoreLocation(string Original, string Scheme, string Container, string Prefix, IReadOnlyDictionary<string, string> Query)
{
    public static bool TryParse(string location, out StoreLocation parsed)
    {
        parsed = null!;
        var separator = location.IndexOf("://", StringComparison.Ordinal);
        if (separator <= 0)
        {
            return false;
        }

        var scheme = location[..separator].ToLowerInvariant();
        var rest = location[(separator + 3)..];
        var queryStart = rest.IndexOf('?', StringComparison.Ordinal);
        var query = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (queryStart >= 0)
        {
            foreach (var pair in rest[(queryStart + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
                query[name] = equals < 0 ? string.Empty : Uri.UnescapeDataString(pair[(equals + 1)..]);
            }

            rest = rest[..queryStart];
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var container = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? string.Empty : rest[(slash + 1)..].Trim('/');
        parsed = new StoreLocation(location, scheme, container, prefix, query);
        return true;
    }

    /// <summary>Formats a location; query values are escaped, empty ones are left out.</summary>
    public static string Format(string scheme, string container, string prefix, params (string Name, string? Value)[] query)
    {
        var text = new StringBuilder().Append(scheme).Append("://").Append(container);
        if (prefix.Length > 0)
        {
            text.Append('/').Append(prefix);
        }

        var pairs = query.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => p.Name + "=" + Uri.EscapeDataString(p.Value!)).ToList();
        if (pairs.Count > 0)
        {
            text.Append('?').Append(string.Join("&", pairs));
        }

        return text.ToString();
    }

    public string? Get(string name) => Query.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    /// <summary>A credential from the environment, or an error that names the variable and how to provide it.</summary>
    public static string RequireVariable(Func<string, string?> environment, string variable, string location, string purpose)
    {
        var value = environment(variable);
        if (string.IsNullOrEmpty(value))
        {
            throw new InvalidOperationException(
                $"The artifact store {location} needs {purpose} in the environment variable {variable}, which is not set. " +
                $"Set {variable} before starting the program (a step process receives it from its store's StepEnvironment).");
        }

        return value;
    }

    /// <summary>Checks a prefix the same way keys are checked, so a location cannot point outside its prefix.</summary>
    public static string NormalizePrefix(string? prefix, string parameterName)
    {
        var trimmed = (prefix ?? string.Empty).Trim('/');
        if (trimmed.Length > 0)
        {
            try
            {
                ArtifactKey.Parse(trimmed);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"Invalid artifact store prefix \"{prefix}\": {e.Message}", parameterName, e);
            }
        }

        return trimmed;
    }
}
