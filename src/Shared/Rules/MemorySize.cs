// One source of truth for the memory grammar and its conversion to decimal megabytes.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;

namespace StepOperator.Rules;

/// <summary>
/// Memory sizes as ZenML's Modal step operator takes them: an integer and a unit, nothing else
/// (<c>^[0-9]+(KB|KiB|MB|MiB|GB|GiB|TB|TiB|PB|PiB)$</c>, case-sensitive), converted to decimal
/// megabytes (10^6 bytes) with any fraction of a megabyte rounded up.
/// </summary>
internal static class MemorySize
{
    public const string Grammar = "^[0-9]+(KB|KiB|MB|MiB|GB|GiB|TB|TiB|PB|PiB)$";

    /// <summary>How a size that is no size is described: {0} the setting, {1} its value, {2} what is wrong and the fix (<see cref="Problem"/>).</summary>
    public const string ProblemFormat = "{0} \"{1}\" is {2}";

    /// <summary>The largest value Modal's wire format can carry (memory_mb is a uint32).</summary>
    public const long MaxMegabytes = uint.MaxValue;

    // The grammar anchored with \A and \z: in .NET, $ also matches before a final "\n", and "32GB\n" is no size.
    private static readonly Regex Pattern = new(
        @"\A[0-9]+(KB|KiB|MB|MiB|GB|GiB|TB|TiB|PB|PiB)\z",
        RegexOptions.CultureInvariant);

    private static readonly Regex NearMiss = new(
        @"^\s*(?<number>[0-9]+(?:\.[0-9]+)?)\s*(?<unit>[A-Za-z]*)\s*$",
        RegexOptions.CultureInvariant);

    /// <summary>Units in grammar order, with their size in bytes.</summary>
    public static IReadOnlyList<(string Unit, BigInteger Bytes)> Units { get; } = new[]
    {
        ("KB", BigInteger.Pow(1000, 1)), ("KiB", BigInteger.Pow(1024, 1)),
        ("MB", BigInteger.Pow(1000, 2)), ("MiB", BigInteger.Pow(1024, 2)),
        ("GB", BigInteger.Pow(1000, 3)), ("GiB", BigInteger.Pow(1024, 3)),
        ("TB", BigInteger.Pow(1000, 4)), ("TiB", BigInteger.Pow(1024, 4)),
        ("PB", BigInteger.Pow(1000, 5)), ("PiB", BigInteger.Pow(1024, 5)),
    };

    /// <summary>True when <paramref name="text"/> matches the grammar exactly.</summary>
    public static bool IsWellFormed(string? text) => text is not null && Pattern.IsMatch(text);

    /// <summary>
    /// Converts a well-formed size to decimal megabytes, rounding a fraction of a megabyte up.
    /// Returns false (with a message) when the text breaks the grammar or the size does not fit
    /// in Modal's memory field.
    /// </summary>
    public static bool TryToMegabytes(string? text, out long megabytes, out string? error) =>
        TryToMegabytes(text, "Memory", out megabytes, out error);

    /// <summary>
    /// As <see cref="TryToMegabytes(string?, out long, out string?)"/>, with messages that name
    /// <paramref name="property"/> ("Memory" for the request, "MemoryLimit" for the hard limit).
    /// </summary>
    public static bool TryToMegabytes(string? text, string property, out long megabytes, out string? error)
    {
        var problem = Measure(text, property, out megabytes);
        error = problem is null ? null : string.Format(CultureInfo.InvariantCulture, ProblemFormat, property, text, problem);
        return problem is null;
    }

    /// <summary>
    /// What keeps <paramref name="text"/> from being a size of <paramref name="property"/>, with the fix, as the end of
    /// <see cref="ProblemFormat"/> ("zero; a container needs some memory. ..."); null for a size Modal takes.
    /// </summary>
    public static string? Problem(string? text, string property) => Measure(text, property, out _);

    private static string? Measure(string? text, string property, out long megabytes)
    {
        megabytes = 0;
        if (text is null || !Pattern.IsMatch(text))
        {
            return DescribeMalformed(text);
        }

        var unitStart = 0;
        while (unitStart < text.Length && char.IsDigit(text[unitStart]))
        {
            unitStart++;
        }

        var number = BigInteger.Parse(text.Substring(0, unitStart), CultureInfo.InvariantCulture);
        var unit = text.Substring(unitStart);
        var bytes = number * BytesOf(unit);
        var million = new BigInteger(1_000_000);
        var whole = BigInteger.DivRem(bytes, million, out var remainder);
        if (!remainder.IsZero)
        {
            whole += 1;
        }

        if (whole.IsZero)
        {
            return property == "Memory"
                ? "zero; a container needs some memory. Use a size such as \"512MB\" or \"32GB\", or omit Memory for Modal's default."
                : $"zero; no container runs in no memory. Use a size such as \"512MB\" or \"32GB\", or omit {property} for no limit.";
        }

        if (whole > MaxMegabytes)
        {
            return $"{whole.ToString(CultureInfo.InvariantCulture)} MB, more than the {MaxMegabytes.ToString(CultureInfo.InvariantCulture)} MB Modal can take. Use a smaller size, such as \"32GB\".";
        }

        megabytes = (long)whole;
        return null;
    }

    /// <summary>
    /// Well-formed rewrites of a near miss, the likeliest first: "32 gb", "32gb", "32 GB", "32Gb"
    /// and "32G" give "32GB" and "32GiB" ("32gib" gives "32GiB" first); "1.5GB" gives "1500MB"
    /// and "1536MiB". Empty when the intent cannot be read (no number, unknown unit).
    /// </summary>
    public static IReadOnlyList<string> SuggestCorrections(string? text)
    {
        var result = new List<string>();
        if (text is null)
        {
            return result;
        }

        var match = NearMiss.Match(text);
        if (!match.Success)
        {
            return result;
        }

        var unit = match.Groups["unit"].Value.ToUpperInvariant();
        var prefix = unit.Length == 0 ? string.Empty : unit.Substring(0, 1);
        var binaryFirst = unit is "KI" or "MI" or "GI" or "TI" or "PI" or "KIB" or "MIB" or "GIB" or "TIB" or "PIB";
        var decimalForm = unit is "K" or "M" or "G" or "T" or "P" or "KB" or "MB" or "GB" or "TB" or "PB";
        if (!binaryFirst && !decimalForm)
        {
            return result;
        }

        var order = "KMGTP".IndexOf(prefix, StringComparison.Ordinal);
        var number = match.Groups["number"].Value;
        var decimalSuggestion = Rewrite(number, order, binary: false);
        var binarySuggestion = Rewrite(number, order, binary: true);
        foreach (var candidate in binaryFirst
                     ? new[] { binarySuggestion, decimalSuggestion }
                     : new[] { decimalSuggestion, binarySuggestion })
        {
            if (candidate is not null && TryToMegabytes(candidate, out _, out _) && !string.Equals(candidate, text, StringComparison.Ordinal) && !result.Contains(candidate))
            {
                result.Add(candidate);
            }
        }

        return result;
    }

    private static string? Rewrite(string number, int order, bool binary)
    {
        var unitFor = new Func<int, string>(o => "KMGTP"[o] + (binary ? "iB" : "B"));
        var dot = number.IndexOf('.');
        if (dot < 0)
        {
            return number.TrimStart('0').PadLeft(1, '0') + unitFor(order);
        }

        // A fractional size: step down one unit at a time until the number is whole. Exact at any
        // length (numerator / denominator as integers), so no digit count can overflow.
        var numerator = BigInteger.Parse(number.Remove(dot, 1), CultureInfo.InvariantCulture);
        var denominator = BigInteger.Pow(10, number.Length - dot - 1);
        var factor = new BigInteger(binary ? 1024 : 1000);
        while (order > 0)
        {
            numerator *= factor;
            order--;
            if ((numerator % denominator).IsZero)
            {
                return (numerator / denominator).ToString(CultureInfo.InvariantCulture) + unitFor(order);
            }
        }

        return null;
    }

    private static BigInteger BytesOf(string unit)
    {
        foreach (var (name, bytes) in Units)
        {
            if (name == unit)
            {
                return bytes;
            }
        }

        throw new ArgumentException($"Unknown memory unit '{unit}'.", nameof(unit));
    }

    private static string DescribeMalformed(string? text)
    {
        var fix = SuggestCorrections(text);
        var hint = fix.Count > 0
            ? $" Did you mean \"{string.Join("\" or \"", fix)}\"?"
            : " Write an integer followed by one of KB, KiB, MB, MiB, GB, GiB, TB, TiB, PB, PiB, with no space, such as \"32GB\" or \"32GiB\".";
        return $"not a size Modal understands: it must be an integer and a unit (case-sensitive).{hint}";
    }
}
