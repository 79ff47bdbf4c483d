using System.Collections;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace StepOperator.Generators.Tests;

public class StepGeneratorTests
{
    private const string Program = """
        using System.Threading;
        using System.Threading.Tasks;
        using StepOperator;

        namespace Training;

        public sealed record Dataset(double[] X, int[] Y);
        public sealed record Model(double[] Weights);

        public static class Steps
        {
            [Step]
            public static Dataset Load() => new(new double[0], new int[0]);

            [ModalStep(Gpu = "A100", Memory = "32GB", CpuCount = 2)]
            public static async Task<Model> Train(Dataset data, CancellationToken ct) { await Task.Yield(); return new Model(data.X); }

            [ModalStep(Name = "evaluate", Gpu = "T4", GpuCount = 1, Timeout = 600, Region = "us-east-1", Cloud = "aws", ModalEnvironment = "dev", StepOperator = "modal")]
            public static double Evaluate(Model model, Dataset data) => 0.5;

            [Step(Memory = "512MiB", CpuCount = 0.5)]
            public static void Report(double accuracy) { }

            [Pipeline]
            public static async Task TrainingPipeline() { await Task.Yield(); }
        }
        """;

    [Fact]
    public void Manifest_matches_the_snapshot()
    {
        var (result, _) = GeneratorHarness.Run(GeneratorHarness.Compile(Program));
        var generated = Assert.Single(result.GeneratedTrees);
        Assert.EndsWith("StepOperator.StepManifest.g.cs", generated.FilePath);
        Snapshot.Match(generated.ToString(), "Manifest");
    }

    [Fact]
    public void Generated_code_compiles_cleanly()
    {
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.Compile(Program));
        Assert.Empty(result.Diagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    [Fact]
    public void Invalid_steps_are_left_out_silently()
    {
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.Compile("""
            using StepOperator;

            public static class Steps
            {
                [ModalStep(Memory = "32 gb")]
                public static int BadMemory(int x) => x;

                [Step]
                public static T Generic<T>(T x) => x;

                [Step]
                private static int Hidden(int x) => x;

                [ModalStep(Gpu = "A100", GpuCount = 0)]
                public static int CpuOnly(int x) => x;
            }
            """));

        Assert.Empty(result.Diagnostics);
        var text = Assert.Single(result.GeneratedTrees).ToString();
        Assert.Contains("\"CpuOnly\"", text);
        Assert.DoesNotContain("\"BadMemory\"", text);
        Assert.DoesNotContain("\"Generic\"", text);
        Assert.DoesNotContain("\"Hidden\"", text);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void No_steps_no_output()
    {
        var (result, _) = GeneratorHarness.Run(GeneratorHarness.Compile("public static class Plain { public static int F() => 1; }"));
        Assert.Empty(result.GeneratedTrees);
    }

    [Fact]
    public void An_unrelated_edit_reuses_every_cached_step()
    {
        var compilation = GeneratorHarness.Compile(Program, "public static class Other { }");
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        var edited = compilation.ReplaceSyntaxTree(
            compilation.SyntaxTrees.Last(),
            CSharpSyntaxTree.ParseText("public static class Other { public static int Added() => 42; }", GeneratorHarness.ParseOptions, path: "File1.cs"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        var manifest = result.TrackedSteps[StepGenerator.TrackingNames.Manifest].Single();
        Assert.All(manifest.Outputs, o => Assert.True(
            o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"manifest was {o.Reason}"));
        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void A_settings_edit_changes_the_manifest()
    {
        var compilation = GeneratorHarness.Compile(Program);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var edited = compilation.ReplaceSyntaxTree(
            compilation.SyntaxTrees.Single(),
            CSharpSyntaxTree.ParseText(Program.Replace("\"32GB\"", "\"64GB\""), GeneratorHarness.ParseOptions, path: "File0.cs"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        var manifest = result.TrackedSteps[StepGenerator.TrackingNames.Manifest].Single();
        Assert.Contains(manifest.Outputs, o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("Memory = \"64GB\"", result.GeneratedSources.Single().SourceText.ToString());
    }

    [Fact]
    public void Pipeline_models_hold_no_roslyn_objects()
    {
        var compilation = GeneratorHarness.Compile(Program);
        var result = GeneratorHarness.CreateDriver().RunGenerators(compilation).GetRunResult().Results.Single();
        var ours = typeof(StepGenerator.TrackingNames).GetFields().Select(f => (string)f.GetValue(null)!).ToHashSet();
        Assert.NotEmpty(ours);
        var examined = 0;
        foreach (var (name, runs) in result.TrackedSteps.Where(s => ours.Contains(s.Key)))
        {
            foreach (var (value, _) in runs.SelectMany(r => r.Outputs))
            {
                AssertNoRoslynObjects(value, name, depth: 0);
                examined++;
            }
        }

        Assert.True(examined >= 5, $"only {examined} tracked outputs were examined");
    }

    private static void AssertNoRoslynObjects(object? value, string step, int depth)
    {
        if (value is null || depth > 8 || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum)
        {
            return;
        }

        Assert.False(value is ISymbol or SyntaxNode or Compilation or SemanticModel or Location,
            $"tracking step '{step}' outputs a {value.GetType().Name}, which breaks incremental caching");
        if (value is IEnumerable items)
        {
            foreach (var item in items)
            {
                AssertNoRoslynObjects(item, step, depth + 1);
            }

            return;
        }

        foreach (var property in value.GetType().GetProperties().Where(p => p.GetIndexParameters().Length == 0))
        {
            AssertNoRoslynObjects(property.GetValue(value), step, depth + 1);
        }
    }
}
