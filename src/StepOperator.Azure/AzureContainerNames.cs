using System;
using System.Linq;

namespace StepOperator.Azure;

/// <summary>
/// Azure Blob Storage's rules for container names (learn.microsoft.com, "Naming and referencing containers, blobs,
/// and metadata"): 3 to 63 characters; lower-case letters, digits and '-'; a letter or digit first; every '-'
/// between letters or digits. The service's own containers '$root', '$web' and '$logs' are names too.
/// </summary>
internal static class AzureContainerNames
{
    /// <summary>Why <paramref name="name"/> is not a valid container name, or null when it is.</summary>
    public static string? Problem(string name)
    {
        if (name is "$root" or "$web" or "$logs")
        {
            return null;
        }

        if (name.Length is < 3 or > 63)
        {
            return $"it has {name.Length} characters; a container name has 3 to 63";
        }

        if (name.FirstOrDefault(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')) is var bad and not '\0')
        {
            return $"'{bad}' is not allowed; use lower-case letters, digits and '-'";
        }

        if (!char.IsAsciiLetterOrDigit(name[0]) || name[^1] == '-' || name.Contains("--", StringComparison.Ordinal))
        {
            return "it must begin with a letter or digit, and every '-' must be between letters or digits";
        }

        return null;
    }
}
