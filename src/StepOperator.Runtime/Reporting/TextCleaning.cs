using System;
using System.Collections.Generic;
using System.Text;
using System.Text.RegularExpressions;

namespace StepOperator.Reporting;

/// <summary>
/// Makes text a step printed safe to show in a table or a report: terminal escape sequences and control
/// characters removed (a step's colours must not move the live display's cursor), tabs as spaces.
/// </summary>
internal static partial class TextCleaning
{
    /// <summary>One line: escape sequences and control characters removed, line breaks as spaces.</summary>
    public static string Line(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var stripped = EscapeSequence().Replace(text, string.Empty);
        var builder = new StringBuilder(stripped.Length);
        foreach (var c in stripped)
        {
            if (c is '\t' or '\n')
            {
                builder.Append(' ');
            }
            else if (!char.IsControl(c))
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>The lines of a text (for example a multi-line error), each cleaned.</summary>
    public static IReadOnlyList<string> Lines(string? text)
    {
        var lines = new List<string>();
        if (text is null)
        {
            return lines;
        }

        foreach (var line in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            lines.Add(Line(line));
        }

        return lines;
    }

    /// <summary>At most <paramref name="max"/> characters, the last of them an ellipsis when cut.</summary>
    public static string Truncate(string text, int max)
    {
        if (max <= 0)
        {
            return string.Empty;
        }

        if (text.Length <= max)
        {
            return text;
        }

        var cut = max - 3;
        if (cut > 0 && char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }

        return max <= 3 ? text[..max] : text[..cut] + "...";
    }

    // CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), and two-character escapes (ESC x).
    [GeneratedRegex(@"\x1B\[[0-?]*[ -/]*[@-~]|\x1B\][^\x07\x1B]*(?:\x07|\x1B\\)?|\x1B[@-Z\\-_]|\x9B[0-?]*[ -/]*[@-~]", RegexOptions.CultureInvariant)]
    private static partial Regex EscapeSequence();
}
