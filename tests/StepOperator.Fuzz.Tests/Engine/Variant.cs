namespace StepOperator.Fuzz;

/// <summary>How much of a variant is well-formed, and so how much the run can check.</summary>
internal enum VariantKind
{
    /// <summary>Compiles as written: classified exactly, and its generated code must compile.</summary>
    WellFormed,

    /// <summary>Parses, but the attribute (or method) has a semantic error: must not crash anything.</summary>
    CompileError,

    /// <summary>Broken or half-typed syntax: must not crash anything.</summary>
    BrokenSyntax,
}

/// <summary>One step method (or a method marked as one) in a variant, with what the rules expect of it.</summary>
internal sealed class StepSite
{
    /// <summary>An identifier that names this step in generated code (its type, or its namespace).</summary>
    public required string Token { get; init; }

    /// <summary>The step name the duplicate check (SOP104) records, or null when none is recorded.</summary>
    public required string? RegisteredName { get; init; }

    /// <summary>Every rule ID the analyzers must report for this method (shape, resources, duplicates).</summary>
    public List<string> ExpectedIds { get; } = new();

    /// <summary>What the variant was built from, for messages ("ModalStep: Gpu=..., shape ...").</summary>
    public required string Description { get; init; }

    /// <summary>The step's name (Name, else the method's) and where it runs, as registered.</summary>
    public string? ExpectedName { get; init; }

    public string? ExpectedPlacement { get; init; }

    /// <summary>The settings the registration must carry: every property written with a value, and nothing else.</summary>
    public IReadOnlyDictionary<string, object> ExpectedSettings { get; init; } = new Dictionary<string, object>();

    /// <summary>No error is expected, so the generator must emit this step and its code must compile.</summary>
    public bool ExpectEmitted => !ExpectedIds.Any(Rules.IsError);

    /// <summary>
    /// Its only error is a shared name (SOP104): the generator keeps its Submit stub, so that code calling it still
    /// compiles, but does not register it.
    /// </summary>
    public bool ExpectStubOnly => ExpectedIds.Contains(Rules.DuplicateName) && !ExpectedIds.Any(id => Rules.IsError(id) && id != Rules.DuplicateName);
}

/// <summary>One generated test case: a source file with one or more step methods.</summary>
internal sealed class Variant
{
    public required int Seed { get; init; }

    public required int Index { get; init; }

    public required VariantKind Kind { get; init; }

    public required string Source { get; init; }

    public required IReadOnlyList<StepSite> Steps { get; init; }

    /// <summary>What was done to the source beyond its spec (the injected error or the syntax mutation).</summary>
    public string? Mutation { get; init; }

    /// <summary>Set when the shared rules threw while computing the expectation (then nothing is expected).</summary>
    public string? OracleFailure { get; init; }

    public string FileName => $"Variant{Index}.cs";

    public IEnumerable<string> ExpectedIds => Steps.SelectMany(s => s.ExpectedIds);

    /// <summary>The step names this variant records for SOP104, so a batch never mixes two variants that share one.</summary>
    public IEnumerable<string> RegisteredNames => Steps.Select(s => s.RegisteredName).OfType<string>().Distinct(StringComparer.Ordinal);
}

/// <summary>Severity facts of the rule IDs (a contract: docs/diagnostics/README.md).</summary>
internal static class Rules
{
    public const string UnsupportedShape = "SOP101";
    public const string UnsupportedPassing = "SOP102";
    public const string NotAnArtifact = "SOP103";
    public const string DuplicateName = "SOP104";

    /// <summary>SOP002 and SOP004 are warnings, SOP009 a note and SOP012 hidden; every other rule is an error.</summary>
    public static bool IsError(string id) => id is not ("SOP002" or "SOP004" or "SOP009" or "SOP012");

    public static bool IsRuleId(string id) => id.StartsWith("SOP", StringComparison.Ordinal);
}
