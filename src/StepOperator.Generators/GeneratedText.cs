using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;

namespace StepOperator.Generators;

/// <summary>User-chosen text (names, members) made safe to put into generated C#.</summary>
internal static class GeneratedText
{
    /// <summary>
    /// Text for a doc comment: XML-escaped, and with what would end the comment line (line breaks,
    /// including U+0085, U+2028, U+2029) or is no XML character (controls, lone surrogates) written as \uXXXX.
    /// </summary>
    public static string Xml(string value)
    {
        var text = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                text.Append(c).Append(value[i + 1]);
                i++;
                continue;
            }

            switch (c)
            {
                case '&':
                    text.Append("&amp;");
                    break;
                case '<':
                    text.Append("&lt;");
                    break;
                case '>':
                    text.Append("&gt;");
                    break;
                default:
                    if ((c < ' ' && c != '\t') || (c >= '\u007F' && c <= '\u009F') || c is '\u2028' or '\u2029' or '\uFFFE' or '\uFFFF' || char.IsSurrogate(c))
                    {
                        text.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        text.Append(c);
                    }

                    break;
            }
        }

        return text.ToString();
    }

    /// <summary>A name as an identifier: keywords, contextual ones included ("await" in an async method), get an @.</summary>
    public static string Identifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None
            ? "@" + name
            : name;

    /// <summary>FNV-1a: stable across processes, unlike string.GetHashCode.</summary>
    public static uint StableHash(string value)
    {
        var hash = 2166136261u;
        foreach (var c in value)
        {
            hash = unchecked((hash ^ c) * 16777619u);
        }

        return hash;
    }
}
