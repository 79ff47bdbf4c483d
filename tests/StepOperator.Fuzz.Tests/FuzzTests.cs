using StepOperator.Fuzz;
using Xunit.Abstractions;

namespace StepOperator.Fuzz.Tests;

/// <summary>
/// At least 10,000 generated [ModalStep]/[Step] variants (fixed seed) through the
/// analyzers and the generator. No exceptions; every well-formed variant classified exactly as the shared
/// rules classify its values; generated code compiles whenever the analyzers report no error, and nothing
/// is generated for a step they report an error on. benchmarks/Fuzz runs the same engine for longer.
/// </summary>
public class FuzzTests(ITestOutputHelper output)
{
    /// <summary>The CI seed. STEPOPERATOR_FUZZ_SEED and STEPOPERATOR_FUZZ_VARIANTS override it and the count locally.</summary>
    public const int CiSeed = 20_251_126;

    public const int CiVariants = 10_000;

    [Fact]
    public void Ten_thousand_variants_classified_as_the_rules_say_and_never_crash()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("STEPOPERATOR_FUZZ_SEED"), out var s) ? s : CiSeed;
        var variants = int.TryParse(Environment.GetEnvironmentVariable("STEPOPERATOR_FUZZ_VARIANTS"), out var n) ? n : CiVariants;
        var report = new FuzzRunner(new FuzzOptions { Seed = seed, Variants = variants }).Run();

        output.WriteLine(report.Summary());
        if (report.Failures.Count > 0)
        {
            output.WriteLine(report.Describe());
        }

        Assert.True(report.Variants >= Math.Min(variants, CiVariants), $"only {report.Variants} variants ran");
        Assert.True(report.Failures.Count == 0, report.Summary() + "\n" + report.Describe());
    }

    [Fact]
    public void The_same_seed_gives_the_same_variants()
    {
        var first = Enumerable.Range(0, 300).Select(i => VariantGenerator.Create(7, i).Source).ToList();
        var second = Enumerable.Range(0, 300).Select(i => VariantGenerator.Create(7, i).Source).ToList();
        Assert.Equal(first, second);
        Assert.NotEqual(first, Enumerable.Range(0, 300).Select(i => VariantGenerator.Create(8, i).Source));
    }
}
