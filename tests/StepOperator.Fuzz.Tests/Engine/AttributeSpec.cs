using System;
using System.Globalization;
using System.Text;
using StepOperator.Rules;

namespace StepOperator.Fuzz;

/// <summary>One property the variant writes: its value as the compiler will compute it, and its spelling.</summary>
internal sealed record PropertyValue(string Property, object? Value, string Expression)
{
    public string Argument => Property + " = " + Expression;

    public string Describe() => Property + "=" + Show(Value);

    public static string Show(object? value) => value switch
    {
        null => "null",
        string s => Escaped(s),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "?",
    };

    private static string Escaped(string s)
    {
        var shown = s.Length > 40 ? s[..40] + $"…({s.Length} chars)" : s;
        var text = new StringBuilder("\"");
        foreach (var c in shown)
        {
            text.Append(c is '"' or '\\' ? "\\" + c : CSharpText.MustEscape(c) ? $"\\u{(int)c:X4}" : c.ToString());
        }

        return text.Append('"').ToString();
    }
}

/// <summary>A [ModalStep] or [Step] attribute: which one, how it is spelled, and what it sets.</summary>
internal sealed class AttributeSpec
{
    /// <summary>Properties of [Step] (StepAttributeBase).</summary>
    public static readonly string[] StepProperties =
    {
        "Name", "Gpu", "GpuCount", "CpuCount", "Memory", "Timeout", "EnableCache", "MaxRetries", "RetryDelay", "RetryBackoff", "RetryOnException",
        "CpuLimit", "MemoryLimit",
    };

    /// <summary>Properties of [ModalStep]: the base ones and Region, Cloud, ModalEnvironment, StepOperator.</summary>
    public static readonly string[] ModalStepProperties =
        StepProperties.Concat(new[] { "Region", "Cloud", "ModalEnvironment", "StepOperator" }).ToArray();

    public required bool Modal { get; init; }

    /// <summary>The attribute's name as written ("ModalStep", "global::StepOperator.StepAttribute", an alias).</summary>
    public required string Spelling { get; init; }

    public required List<PropertyValue> Properties { get; init; }

    /// <summary>"[ModalStep]" or "[ModalStep()]" when nothing is set.</summary>
    public bool EmptyParentheses { get; init; }

    public string Render(IEnumerable<string>? extraArguments = null)
    {
        var arguments = Properties.Select(p => p.Argument).Concat(extraArguments ?? Array.Empty<string>()).ToList();
        return arguments.Count == 0
            ? Spelling + (EmptyParentheses ? "()" : string.Empty)
            : Spelling + "(" + string.Join(", ", arguments) + ")";
    }

    /// <summary>The explicit step name, when Name was written as a string (null is the method's name).</summary>
    public string? ExplicitName => Properties.FirstOrDefault(p => p.Property == "Name")?.Value as string;

    /// <summary>The settings as the rules take them, from the values the variant was built from.</summary>
    public StepResources Resources() => new(
        Gpu: Get<string>("Gpu"),
        GpuCount: GetStruct<int>("GpuCount"),
        CpuCount: GetStruct<double>("CpuCount"),
        Memory: Get<string>("Memory"),
        Timeout: GetStruct<int>("Timeout"),
        Region: Get<string>("Region"),
        Cloud: Get<string>("Cloud"),
        MaxRetries: GetStruct<int>("MaxRetries"),
        RetryDelay: GetStruct<double>("RetryDelay"),
        RetryBackoff: GetStruct<double>("RetryBackoff"),
        MemoryLimit: Get<string>("MemoryLimit"),
        CpuLimit: GetStruct<double>("CpuLimit"));

    /// <summary>The oracle: the rule IDs the shared rules give these values.</summary>
    public IEnumerable<string> ExpectedRuleIds() => ResourceRules.Validate(Resources()).Select(v => v.RuleId);

    public string Describe() =>
        "[" + (Modal ? "ModalStep" : "Step") + (Properties.Count == 0 ? string.Empty : " " + string.Join(", ", Properties.Select(p => p.Describe()))) + "]";

    private T? Get<T>(string property)
        where T : class =>
        Properties.FirstOrDefault(p => p.Property == property)?.Value as T;

    private T? GetStruct<T>(string property)
        where T : struct =>
        Properties.FirstOrDefault(p => p.Property == property)?.Value is T value ? value : null;

    /// <summary>A random attribute: some properties (sometimes all), random and boundary values, varied spellings.</summary>
    public static AttributeSpec Create(FuzzRandom r, CSharpText text, bool modal, string unique, bool aimValid)
    {
        var available = (modal ? ModalStepProperties : StepProperties).ToList();
        r.Shuffle(available);
        var count = r.Weighted((8, 0), (22, 1), (24, 2), (20, 3), (12, 4), (7, 6), (4, 9), (3, available.Count));
        var properties = new List<PropertyValue>();
        foreach (var property in available.Take(count))
        {
            properties.Add(Write(r, text, property, unique, aimValid));
        }

        // Aiming for valid settings: a limit without its request breaks SOP011, so the request is written too,
        // with the limit's own value (a request equal to its limit is valid).
        foreach (var (limit, request) in new[] { ("MemoryLimit", "Memory"), ("CpuLimit", "CpuCount") })
        {
            if (aimValid && properties.FirstOrDefault(p => p.Property == limit) is { } written && properties.All(p => p.Property != request))
            {
                properties.Add(new PropertyValue(request, written.Value, written.Expression));
            }
        }

        var spelling = modal
            ? r.Weighted((70, "ModalStep"), (8, "ModalStepAttribute"), (6, "StepOperator.ModalStep"), (6, "global::StepOperator.ModalStepAttribute"), (5, "MS"), (5, "method: ModalStep"))
            : r.Weighted((70, "Step"), (8, "StepAttribute"), (6, "StepOperator.Step"), (6, "global::StepOperator.Step"), (5, "S1"), (5, "method: Step"));
        return new AttributeSpec { Modal = modal, Spelling = spelling, Properties = properties, EmptyParentheses = r.Chance(0.3) };
    }

    /// <summary>One property with a value drawn for it, written in one of its spellings.</summary>
    public static PropertyValue Write(FuzzRandom r, CSharpText text, string property, string unique, bool aimValid)
    {
        object? value = Draw(r, property, unique);

        // Aiming for valid settings (so the generator's output gets compiled often): redraw what the rules reject on its own.
        for (var attempt = 0; aimValid && attempt < 6 && !ValidAlone(property, value); attempt++)
        {
            value = Draw(r, property, unique);
        }

        var expression = value switch
        {
            string or null when property is "Gpu" or "Memory" or "MemoryLimit" or "Region" or "Cloud" or "ModalEnvironment" or "StepOperator" or "Name" => text.String((string?)value),
            int i => text.Int32(i),
            double d => text.Double(d),
            bool b => text.Boolean(b),
            _ => throw new InvalidOperationException($"No spelling for {property} = {value}."),
        };
        return new PropertyValue(property, value, expression);
    }

    private static object? Draw(FuzzRandom r, string property, string unique) => property switch
    {
        "Name" => Values.Name(r, unique),
        "Gpu" => Values.Gpu(r),
        "GpuCount" => Values.GpuCount(r),
        "CpuCount" or "CpuLimit" => Values.CpuCount(r),
        "Memory" or "MemoryLimit" => Values.Memory(r),
        "Timeout" => Values.Timeout(r),
        "Region" => Values.Region(r),
        "Cloud" => Values.Cloud(r),
        "ModalEnvironment" or "StepOperator" => Values.FreeText(r),
        "EnableCache" or "RetryOnException" => r.Chance(0.5),
        "MaxRetries" => Values.MaxRetries(r),
        "RetryDelay" => Values.RetryDelay(r),
        "RetryBackoff" => Values.RetryBackoff(r),
        _ => throw new ArgumentOutOfRangeException(nameof(property), property, null),
    };

    private static bool ValidAlone(string property, object? value)
    {
        var spec = new AttributeSpec
        {
            Modal = true,
            Spelling = "ModalStep",
            Properties = new List<PropertyValue> { new(property, value, string.Empty) },
        };
        try
        {
            // SOP011 judges a limit against its request, not a value alone.
            return !spec.ExpectedRuleIds().Any(id => Rules.IsError(id) && id != "SOP011");
        }
        catch (Exception)
        {
            // The rules failed on it; keep the value, the run reports the failure.
            return true;
        }
    }
}
