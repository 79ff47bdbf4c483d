using System;
using System.Linq;
using System.Net;

namespace StepOperator.S3;

/// <summary>
/// S3's rules for general purpose bucket names (docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html):
/// 3 to 63 characters; lower-case letters, digits, '.' and '-'; a letter or digit first and last; no two adjacent
/// dots; not an IP address; not the reserved prefixes 'xn--', 'sthree-', 'amzn-s3-demo-' or suffixes '-s3alias', '--ol-s3'.
/// </summary>
internal static class S3BucketNames
{
    /// <summary>Why <paramref name="name"/> is not a valid bucket name, or null when it is.</summary>
    public static string? Problem(string name)
    {
        if (name.Length is < 3 or > 63)
        {
            return $"it has {name.Length} characters; a bucket name has 3 to 63";
        }

        if (name.FirstOrDefault(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-')) is var bad and not '\0')
        {
            return $"'{bad}' is not allowed; use lower-case letters, digits, '.' and '-'";
        }

        if (!char.IsAsciiLetterOrDigit(name[0]) || !char.IsAsciiLetterOrDigit(name[^1]))
        {
            return "it must begin and end with a letter or digit";
        }

        if (name.Contains("..", StringComparison.Ordinal))
        {
            return "it has two adjacent dots";
        }

        if (IPAddress.TryParse(name, out _) && name.Count(c => c == '.') == 3)
        {
            return "it is formatted as an IP address";
        }

        foreach (var prefix in new[] { "xn--", "sthree-", "amzn-s3-demo-" })
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                return $"the prefix '{prefix}' is reserved";
            }
        }

        foreach (var suffix in new[] { "-s3alias", "--ol-s3" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal))
            {
                return $"the suffix '{suffix}' is reserved";
            }
        }

        return null;
    }
}
