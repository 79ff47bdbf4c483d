using System.Text;
using StepOperator.Rules;

namespace StepOperator.Fuzz;

/// <summary>
/// Values for every attribute property: boundaries, valid values, near misses of valid ones and
/// random strings (unicode, whitespace, huge numbers). Each pick is drawn from the variant's stream.
/// </summary>
internal static class Values
{
    private static readonly string[] Catalog = GpuCatalog.All.Select(g => g.Name).ToArray();

    private static readonly string[] MemoryUnits = { "KB", "KiB", "MB", "MiB", "GB", "GiB", "TB", "TiB", "PB", "PiB" };

    private static readonly string[] OddText =
    {
        "", " ", "  ", "\t", "\n", "\r\n", "\u00A0", "\u2028", "\u2029", "\u0085", "\0", "\uFEFF",
        "\u200B", "\uD800", "\uDFFF", "\uD83D\uDE80", "é", "e\u0301", "Ω", "步骤", "ß", "İ", "ı",
        "\"", "\\", "'", "{", "}", "{0}", "<", ">", "&", "</summary>", "<!--", "*/", "/*", "//", "#",
        "null", "default", "class", "global::", "@", "$", "%s", "..", "../..", "/", "C:\\", "\u202E",
    };

    /// <summary>Gpu: catalog names, near misses, counts written into the type, odd and huge strings.</summary>
    public static string? Gpu(FuzzRandom r) => r.Weighted<Func<string?>>(
        (40, () => r.Pick(Catalog)),
        (18, () => NearMiss(r, r.Pick(Catalog))),
        (6, () => r.Pick(Catalog) + ":" + r.Pick("1", "2", "8", "0", "-1", "", "99999999999999999999", "two")),
        (5, () => r.Pick("a100", "t4", "h100", "A100 ", " A100", "A100\n", "A100\t", "A-100", "A100_80GB", "a100-80gb",
            "H100!!", "h100!", "B200++", "RTX PRO 6000", "rtx-pro-6000", "Τ4", "Ａ100", "A１００", "A100\0", "A100\u200B",
            "T4;L4", "T4,L4", "any", "cpu", "CPU", "gpu", "A10G ", "A10g", "l40s", "L40", "H200:8", "a", "A", "100")),
        (5, () => r.Pick(OddText)),
        (4, () => RandomText(r, r.Between(1, 12))),
        (2, () => new string(r.Pick('x', 'A', '9', 'é'), r.Pick(100, 2_000, 20_000))),
        (4, () => null))();

    /// <summary>GpuCount: the boundaries of 0, each type's maximum (4, 8) and int.</summary>
    public static int GpuCount(FuzzRandom r) => r.Weighted<Func<int>>(
        (50, () => r.Pick(0, 1, 1, 2, 3, 4, 4, 5, 7, 8, 8, 9)),
        (12, () => r.Pick(-1, -2, 10, 16, 100, 1_000_000)),
        (8, () => r.Pick(int.MinValue, int.MinValue + 1, int.MaxValue, int.MaxValue - 1)),
        (10, () => r.Between(-20, 20)),
        (5, () => r.NextInt32()))();

    /// <summary>CpuCount: 0.001 is the smallest; NaN and infinities are not counts.</summary>
    public static double CpuCount(FuzzRandom r) => r.Weighted<Func<double>>(
        (40, () => r.Pick(0.5, 1, 2, 4, 8, 16, 0.25, 1.5, 64, 0.001)),
        (20, () => r.Pick(0, -0.0, -1, -0.001, 0.0009999999999999998, 0.0010000000000000002, 0.0001, double.Epsilon, -double.Epsilon)),
        (10, () => r.Pick(double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.MaxValue, double.MinValue, 1e308, 1e-308)),
        (12, () => Math.Round((r.NextDouble() * 200) - 20, r.Between(0, 6))),
        (5, () => BitConverter.Int64BitsToDouble((long)r.NextUInt64())))();

    /// <summary>Memory: well-formed sizes, the zero and uint32 limits, near misses, unicode digits, huge numbers.</summary>
    public static string? Memory(FuzzRandom r) => r.Weighted<Func<string?>>(
        (35, () => r.Between(1, 512) + r.Pick(MemoryUnits)),
        (8, () => r.Pick("1KB", "999KB", "1000KB", "1001KB", "1KiB", "976KiB", "977KiB", "4294967295MB", "4294967296MB",
            "4294967PB", "4294968PB", "4PB", "5PB", "3814PiB", "3815PiB", "4096TiB", "0000032GB", "00GB")),
        (5, () => "0" + r.Pick(MemoryUnits)),
        (6, () => r.Pick("9", "99", "999999999999999999999", new string('9', 40), new string('9', 400), "18446744073709551616", "2147483648")
            + r.Pick(MemoryUnits)),
        (14, () => MemoryNearMiss(r)),
        (6, () => r.Pick("1.5GB", "0.5KB", "1.5", "2.25TiB", "99999999999999999999999999999999.5GB", "9999999999999999999.5GB",
            "79228162514264337593543950335.5MB", "7922816251426433759354395033.5PB", "1.0000000000000000000000000001TB", "0.000000000000000000000000001GB",
            "12345678901234567890.5KB", "1.5gb", "1.5 GiB", "1.GB", ".5GB")),
        (4, () => r.Pick(OddText)),
        (4, () => RandomFrom(r, "0123456789.KMGTPiBkmgtpb -+_,\n", r.Between(1, 8))),
        (2, () => RandomText(r, r.Between(1, 10))),
        (4, () => null))();

    /// <summary>Timeout: 1..86400 and around it.</summary>
    public static int Timeout(FuzzRandom r) => r.Weighted<Func<int>>(
        (40, () => r.Pick(1, 2, 60, 600, 3600, 7200, 86_399, 86_400)),
        (25, () => r.Pick(0, -1, 86_401, 100_000, int.MinValue, int.MaxValue, -86_400)),
        (15, () => r.Between(-100, 100_000)),
        (5, () => r.NextInt32()))();

    /// <summary>Region: any text is a region (a plan note when set).</summary>
    public static string? Region(FuzzRandom r) => r.Weighted<Func<string?>>(
        (30, () => r.Pick("us-east-1", "us-west-2", "eu-west-1", "ap-south-1", "us", "eu", "ap")),
        (10, () => r.Pick(OddText)),
        (8, () => RandomText(r, r.Between(1, 16))),
        (8, () => null))();

    /// <summary>Cloud: aws, gcp, oci, auto (case-sensitive) and near misses.</summary>
    public static string? Cloud(FuzzRandom r) => r.Weighted<Func<string?>>(
        (35, () => r.Pick(ResourceRules.Clouds.ToArray())),
        (20, () => r.Pick("AWS", "Aws", " aws", "aws ", "gcp\n", "GCP", "Oci", "AUTO", "azure", "a ws", "aws,gcp", "amazon", "google")),
        (10, () => NearMiss(r, r.Pick(ResourceRules.Clouds.ToArray()))),
        (8, () => r.Pick(OddText)),
        (5, () => RandomText(r, r.Between(1, 8))),
        (8, () => null))();

    /// <summary>Free text with no rule (ModalEnvironment, StepOperator): it only has to reach the generated code intact.</summary>
    public static string? FreeText(FuzzRandom r) => r.Weighted<Func<string?>>(
        (30, () => r.Pick("main", "dev", "prod", "gpu", "modal", "my-operator", "team_env")),
        (15, () => r.Pick(OddText)),
        (15, () => RandomText(r, r.Between(1, 24))),
        (3, () => new string('z', 5_000)),
        (8, () => null))();

    /// <summary>MaxRetries: 0..10 and around it.</summary>
    public static int MaxRetries(FuzzRandom r) => r.Weighted<Func<int>>(
        (45, () => r.Between(0, 10)),
        (25, () => r.Pick(-1, 11, 12, 100, int.MinValue, int.MaxValue)),
        (10, () => r.Between(-5, 20)))();

    /// <summary>RetryDelay: 0..60 seconds, fractions, and what is no number of seconds.</summary>
    public static double RetryDelay(FuzzRandom r) => r.Weighted<Func<double>>(
        (40, () => r.Pick(0, 0.5, 1, 2, 5, 10, 30, 60, 0.001)),
        (25, () => r.Pick(-0.0, -1, -0.001, 60.000000000000007, 61, 1e9, double.Epsilon, -double.Epsilon)),
        (10, () => r.Pick(double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.MaxValue)),
        (15, () => Math.Round((r.NextDouble() * 80) - 10, r.Between(0, 4))))();

    /// <summary>RetryBackoff: 1..10.</summary>
    public static double RetryBackoff(FuzzRandom r) => r.Weighted<Func<double>>(
        (40, () => r.Pick(1, 1.5, 2, 3, 10, 9.999)),
        (25, () => r.Pick(0, -0.0, 0.9999999999999999, 10.000000000000002, 11, -1, 100, double.Epsilon)),
        (10, () => r.Pick(double.NaN, double.PositiveInfinity, double.NegativeInfinity)),
        (15, () => Math.Round(r.NextDouble() * 14 - 2, r.Between(0, 4))))();

    /// <summary>Step names: any text is a name; it reaches string literals, identifiers and doc comments.</summary>
    public static string? Name(FuzzRandom r, string unique) => r.Weighted<Func<string?>>(
        (30, () => "step_" + unique),
        (10, () => r.Pick("Train", "train", "Evaluate", "Load", "Run")),
        (15, () => r.Pick(OddText) + unique),
        (10, () => unique + r.Pick(OddText) + r.Pick(OddText)),
        (10, () => RandomText(r, r.Between(1, 12)) + unique),
        (3, () => new string('n', 1_000) + unique),
        (5, () => r.Pick("", " ", "\n", "\t", "\u2028")),
        (5, () => null))();

    /// <summary>One edit (insert, delete, substitute, swap case) away from <paramref name="text"/>.</summary>
    public static string NearMiss(FuzzRandom r, string text)
    {
        if (text.Length == 0)
        {
            return RandomFrom(r, "abcXYZ019-", 1);
        }

        var position = r.Next(text.Length);
        var chars = text.ToCharArray();
        switch (r.Next(5))
        {
            case 0:
                return text.Remove(position, 1);
            case 1:
                return text.Insert(position, r.Pick("-", "_", " ", "0", "1", "X", "!", "+", ".", "\u200B"));
            case 2:
                chars[position] = r.Pick('0', '1', '8', 'A', 'a', 'H', 'G', '-', 'O', 'l');
                return new string(chars);
            case 3:
                return text.ToLowerInvariant() == text ? text.ToUpperInvariant() : text.ToLowerInvariant();
            default:
                return r.Pick(" ", "\t", "\n", "\u00A0") + text + r.Pick("", " ", "\n");
        }
    }

    private static string MemoryNearMiss(FuzzRandom r)
    {
        var number = r.Pick("32", "1", "512", "0", "1024", "007", "٣٢", "３２", "3\u200B2", "32.0", "-32", "+32", "3e1", "0x20", "32_000", "32,5", "Ⅻ");
        var unit = r.Pick("gb", "Gb", "gB", "G", "g", "GIB", "gib", "Gi", "kb", "K", "m", "mb", "MIB", "tb", "T", "P", "pib", "B", "bytes", "GBs",
            "ＧＢ", "GB\n", "GB\r", "GB ", "ΜB", "EB", "EiB", "ZB", "", "GB" + "\u0000", "GiBGiB", "GB!");
        var separator = r.Pick("", "", "", " ", "\t", "\u00A0", "-", "_");
        var text = number + separator + unit;
        return r.Chance(0.2) ? NearMiss(r, r.Between(1, 64) + r.Pick(MemoryUnits)) : text;
    }

    /// <summary>Random text drawn from several scripts, controls and surrogates.</summary>
    public static string RandomText(FuzzRandom r, int length)
    {
        var text = new StringBuilder();
        for (var i = 0; i < length; i++)
        {
            switch (r.Next(10))
            {
                case 0:
                    text.Append((char)r.Between(0, 31));
                    break;
                case 1:
                    text.Append((char)r.Between(0xD800, 0xDFFF));
                    break;
                case 2:
                    text.Append((char)r.Between(0x80, 0x2FFF));
                    break;
                case 3:
                    text.Append((char)r.Between(0x3000, 0xFFFF));
                    break;
                case 4:
                    text.Append(char.ConvertFromUtf32(r.Between(0x1F300, 0x1FAFF)));
                    break;
                default:
                    text.Append((char)r.Between(32, 126));
                    break;
            }
        }

        return text.ToString();
    }

    private static string RandomFrom(FuzzRandom r, string alphabet, int length)
    {
        var text = new StringBuilder();
        for (var i = 0; i < length; i++)
        {
            text.Append(alphabet[r.Next(alphabet.Length)]);
        }

        return text.ToString();
    }
}
