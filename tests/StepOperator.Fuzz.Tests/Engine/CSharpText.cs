using System.Globalization;
using System.Text;

namespace StepOperator.Fuzz;

/// <summary>
/// Writes a known value as C# source in one of several equivalent spellings (literals, escapes,
/// constants, constant expressions), so the value the compiler computes is the value the variant
/// recorded. Constants a spelling needs are added to <see cref="Members"/>.
/// </summary>
internal sealed class CSharpText(FuzzRandom random, string prefix = "K")
{
    private int _constants;

    /// <summary>Member declarations (constants) the written expressions refer to.</summary>
    public List<string> Members { get; } = new();

    public string String(string? value)
    {
        if (value is null)
        {
            return random.Pick("null", "default", "(string?)null", "default(string)");
        }

        return random.Next(10) switch
        {
            0 => Constant("string", StringLiteral(value)),
            1 when value.Length >= 2 => Concatenation(value),
            2 when Verbatim(value) is { } verbatim => verbatim,
            3 when RawLiteral(value) is { } raw => raw,
            4 when value.Length >= 1 => ConstantInterpolation(value),
            _ => StringLiteral(value),
        };
    }

    public string Int32(int value) => random.Next(14) switch
    {
        0 => Constant("int", value.ToString(CultureInfo.InvariantCulture)),
        1 when value >= 0 => "0x" + value.ToString(random.Chance(0.5) ? "X" : "x", CultureInfo.InvariantCulture),
        2 when value >= 0 => Binary(value),
        3 => value == int.MaxValue ? "int.MaxValue" : value == int.MinValue ? "int.MinValue" : Sum(value),
        4 => Sum(value),
        5 when value is >= 32 and < 127 && value != '\'' && value != '\\' => "'" + (char)value + "'",
        6 when value is >= short.MinValue and <= short.MaxValue => "(short)" + Parenthesized(value),
        7 when Math.Abs((long)value) < (1L << 40) => $"(int)({value.ToString(CultureInfo.InvariantCulture)}{(value < 0 ? ".75" : ".25")})",
        8 when value < 0 => $"unchecked((int)0x{unchecked((uint)value).ToString("X8", CultureInfo.InvariantCulture)})",
        9 when SizeOf(value) is { } size => size,
        10 when value >= 1000 => WithSeparators(value),
        _ => value.ToString(CultureInfo.InvariantCulture),
    };

    public string Double(double value)
    {
        if (double.IsNaN(value))
        {
            return random.Pick("double.NaN", "0.0 / 0.0", "(0d / 0)", Constant("double", "double.NaN"));
        }

        if (double.IsPositiveInfinity(value))
        {
            return random.Pick("double.PositiveInfinity", "1.0 / 0", "(double)float.PositiveInfinity", Constant("double", "1d / 0d"));
        }

        if (double.IsNegativeInfinity(value))
        {
            return random.Pick("double.NegativeInfinity", "-1.0 / 0", "-double.PositiveInfinity");
        }

        if (value == 0 && double.IsNegative(value))
        {
            return random.Pick("-0.0", "-0d", "-0.0f", "(-0.0)");
        }

        if (value == double.MaxValue && random.Chance(0.5))
        {
            return "double.MaxValue";
        }

        if (value == double.Epsilon && random.Chance(0.5))
        {
            return "double.Epsilon";
        }

        switch (random.Next(8))
        {
            case 0:
                return Constant("double", DoubleLiteral(value));
            case 1 when value == Math.Floor(value) && Math.Abs(value) <= int.MaxValue:
                // An int constant converted to double.
                return ((long)value).ToString(CultureInfo.InvariantCulture);
            case 2 when (double)(float)value == value && !float.IsInfinity((float)value):
                return ((float)value).ToString("R", CultureInfo.InvariantCulture) + random.Pick("f", "F");
            case 3 when value is >= 32 and < 127 && value == Math.Floor(value) && value != '\'' && value != '\\':
                return "'" + (char)value + "'";
            default:
                return DoubleLiteral(value);
        }
    }

    public string Boolean(bool value) => random.Next(5) switch
    {
        0 => Constant("bool", value ? "true" : "false"),
        1 => value ? "!false" : "!true",
        2 => value ? "1 < 2" : "1 > 2",
        _ => value ? "true" : "false",
    };

    /// <summary>A regular string literal, escaping what must be escaped and, at random, other characters.</summary>
    public string StringLiteral(string value)
    {
        var text = new StringBuilder("\"");
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"':
                    text.Append("\\\"");
                    break;
                case '\\':
                    text.Append("\\\\");
                    break;
                case '\n':
                    text.Append(random.Chance(0.5) ? "\\n" : "\\u000A");
                    break;
                case '\r':
                    text.Append("\\r");
                    break;
                case '\t':
                    text.Append(random.Chance(0.5) ? "\\t" : "\t");
                    break;
                case '\0':
                    text.Append("\\0");
                    break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]) && random.Chance(0.5))
                    {
                        text.Append("\\U").Append(char.ConvertToUtf32(c, value[i + 1]).ToString("X8", CultureInfo.InvariantCulture));
                        i++;
                    }
                    else if (MustEscape(c) || (c < 128 && random.Chance(0.03)))
                    {
                        text.Append(random.Chance(0.8) ? "\\u" + ((int)c).ToString("X4", CultureInfo.InvariantCulture) : "\\x" + ((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        text.Append(c);
                    }

                    break;
            }
        }

        return text.Append('"').ToString();
    }

    /// <summary>Characters never written raw: line breaks, controls and surrogates.</summary>
    public static bool MustEscape(char c) =>
        char.IsControl(c) || char.IsSurrogate(c) || c is '\u0085' or '\u2028' or '\u2029' or '\uFEFF' or '\uFFFE' or '\uFFFF';

    /// <summary>A double literal that reads back as exactly <paramref name="value"/>.</summary>
    public static string DoubleLiteral(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('.') || text.Contains('E') ? text + (text.Contains('E') ? "d" : string.Empty) : text + ".0";
    }

    private string Constant(string type, string literal)
    {
        var name = prefix + _constants++;
        Members.Add($"private const {type} {name} = {literal};");
        return name;
    }

    private string Concatenation(string value)
    {
        var cut = random.Between(1, value.Length - 1);
        return StringLiteral(value[..cut]) + " + " + StringLiteral(value[cut..]);
    }

    private string ConstantInterpolation(string value)
    {
        // $"{K0}{K1}" with both parts constant strings is itself a constant (C# 10).
        var cut = random.Between(0, value.Length);
        var first = Constant("string", StringLiteral(value[..cut]));
        var second = Constant("string", StringLiteral(value[cut..]));
        return "$\"{" + first + "}{" + second + "}\"";
    }

    private static string? Verbatim(string value) =>
        value.Any(MustEscape) ? null : "@\"" + value.Replace("\"", "\"\"") + "\"";

    private static string? RawLiteral(string value) =>
        value.Length == 0 || value.Contains('"') || value.Any(MustEscape) || value.Trim().Length != value.Length
            ? null
            : "\"\"\"" + value + "\"\"\"";

    private string Sum(int value)
    {
        // a + b == value without overflowing either part.
        long a = random.Between(-1000, 1000);
        var b = value - a;
        if (b is < int.MinValue or > int.MaxValue)
        {
            a = -a;
            b = value - a;
        }

        return $"({Parenthesized((int)a)} + {Parenthesized((int)b)})";
    }

    private static string Parenthesized(int value) =>
        value < 0 ? "(" + value.ToString(CultureInfo.InvariantCulture) + ")" : value.ToString(CultureInfo.InvariantCulture);

    private static string Binary(int value)
    {
        var bits = Convert.ToString(value, 2);
        var text = new StringBuilder("0b");
        for (var i = 0; i < bits.Length; i++)
        {
            if (i > 0 && (bits.Length - i) % 4 == 0)
            {
                text.Append('_');
            }

            text.Append(bits[i]);
        }

        return text.ToString();
    }

    private static string WithSeparators(int value) =>
        value.ToString("N0", CultureInfo.InvariantCulture).Replace(",", "_");

    private static string? SizeOf(int value) => value switch
    {
        1 => "sizeof(byte)",
        2 => "sizeof(short)",
        4 => "sizeof(int)",
        8 => "sizeof(long)",
        16 => "sizeof(decimal)",
        _ => null,
    };
}
