using System.Globalization;
using System.Text;

namespace StepOperator.Fuzz;

/// <summary>What a run did: variants by kind, classifications by rule ID, steps whose generated code compiled, failures.</summary>
internal sealed class FuzzReport(int seed)
{
    public int Seed { get; } = seed;

    public int Variants { get; private set; }

    public int Batches { get; set; }

    public TimeSpan Elapsed { get; set; }

    public Dictionary<VariantKind, int> ByKind { get; } = new();

    /// <summary>SOP diagnostics the analyzers reported on well-formed variants, by rule ID (each matched the rules' expectation unless it failed).</summary>
    public SortedDictionary<string, int> ByRule { get; } = new(StringComparer.Ordinal);

    /// <summary>Well-formed steps with no error expected: emitted by the generator, and their code compiled.</summary>
    public int CompiledSteps { get; private set; }

    /// <summary>Well-formed variants with no diagnostic at all, with only warnings/notes, and with errors.</summary>
    public int Clean { get; private set; }

    public int AdvisoryOnly { get; private set; }

    public int WithErrors { get; private set; }

    public List<FuzzFailure> Failures { get; } = new();

    public void Add(VariantOutcome outcome)
    {
        Variants++;
        var kind = outcome.Variant.Kind;
        ByKind[kind] = ByKind.GetValueOrDefault(kind) + 1;
        if (kind == VariantKind.WellFormed)
        {
            foreach (var id in outcome.ReportedIds)
            {
                ByRule[id] = ByRule.GetValueOrDefault(id) + 1;
            }

            var expected = outcome.Variant.ExpectedIds.ToList();
            if (expected.Count == 0)
            {
                Clean++;
            }
            else if (expected.Any(Rules.IsError))
            {
                WithErrors++;
            }
            else
            {
                AdvisoryOnly++;
            }

            if (outcome.Problems.Count == 0)
            {
                CompiledSteps += outcome.EmittedSteps;
            }
        }

        foreach (var (category, details) in outcome.Problems)
        {
            Failures.Add(new FuzzFailure { Variant = outcome.Variant, Category = category, Details = details });
        }
    }

    /// <summary>One line: what ran, how long it took, how the variants were classified.</summary>
    public string Summary()
    {
        var kinds = string.Join(", ", Enum.GetValues<VariantKind>().Select(k => $"{Name(k)} {ByKind.GetValueOrDefault(k)}"));
        var rules = string.Join(" ", ByRule.Select(p => $"{p.Key}={p.Value}"));
        return string.Create(CultureInfo.InvariantCulture,
            $"fuzz seed={Seed}: {Variants} variants ({kinds}) in {Batches} compilations, {Elapsed.TotalSeconds:F1} s; " +
            $"well-formed classified: {Clean} clean, {AdvisoryOnly} warnings/notes only, {WithErrors} with errors; " +
            $"{CompiledSteps} steps emitted with compiling generated code; reported: {rules}; failures: {Failures.Count}");
    }

    /// <summary>The failures, each with its variant's source, seed and index (the first <paramref name="limit"/> in full).</summary>
    public string Describe(int limit = 5)
    {
        var text = new StringBuilder();
        var byCategory = Failures.GroupBy(f => f.Category).Select(g => $"{g.Key}: {g.Count()}");
        text.Append($"{Failures.Count} failures ({string.Join(", ", byCategory)}) with seed {Seed}.\n");
        foreach (var failure in Failures.Take(limit))
        {
            var v = failure.Variant;
            text.Append($"\n=== variant {v.Index} of seed {v.Seed} ({Name(v.Kind)}): {failure.Category}\n");
            text.Append(failure.Details.TrimEnd()).Append('\n');
            if (v.Mutation is not null)
            {
                text.Append($"mutation: {v.Mutation}\n");
            }

            text.Append($"reproduce: dotnet run -c Release --project benchmarks/Fuzz -- --seed {v.Seed} --only {v.Index}\n");
            var shown = failure.Minimal ?? v;
            text.Append(failure.Minimal is null ? "source:\n" : "minimal source (properties that do not matter removed):\n");
            text.Append(Clip(shown.Source));
        }

        if (Failures.Count > limit)
        {
            text.Append($"\n... and {Failures.Count - limit} more: variants {string.Join(", ", Failures.Skip(limit).Select(f => f.Variant.Index).Distinct().Take(50))}\n");
        }

        return text.ToString();
    }

    private static string Clip(string source) =>
        source.Length <= 8_000 ? source : source[..4_000] + $"\n... ({source.Length - 8_000} characters) ...\n" + source[^4_000..];

    private static string Name(VariantKind kind) => kind switch
    {
        VariantKind.WellFormed => "well-formed",
        VariantKind.CompileError => "compile-error",
        _ => "broken-syntax",
    };
}
