using Microsoft.CodeAnalysis;

namespace StepOperator.Generators.Tests;

/// <summary>
/// The generator and the analyzer judge one program alike: on invalid input the analyzer's error is the only
/// error (no follow-on compiler error in generated or user code), and the analyzer warns about a missing Main
/// (SOP105) exactly when the generator emits none and nothing runs the pipelines.
/// </summary>
public class AnalyzerAgreementTests
{
    private const string Usings = "using System;\nusing System.Threading;\nusing System.Threading.Tasks;\nusing StepOperator;\n\n";

    private static async Task<(GeneratorDriverRunResult Result, IReadOnlyList<Diagnostic> Diagnostics)> CompileAsync(OutputKind kind, params string[] sources)
    {
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.Compile(kind, sources.Select(s => Usings + s).ToArray()));
        Assert.Empty(result.Diagnostics);
        var diagnostics = output.GetDiagnostics().Concat(await GeneratorHarness.AnalyzeAsync(output))
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .ToList();
        return (result, diagnostics);
    }

    public static TheoryData<string> TwoStepsOfOneName => new()
    {
        // The same method name in two types.
        """
        public static partial class Images { [ModalStep(Gpu = "A100")] public static int Train(int x) => x; }
        public static partial class Texts { [Step] public static int Train(int x) => x + 1; }
        public static partial class Flow
        {
            [Pipeline]
            public static async Task Run() => Console.WriteLine(await Images.Submit.Train(1) + await Texts.Submit.Train(2));
        }
        """,
        // Name = "..." taken by another step of the same type.
        """
        public static partial class Steps
        {
            [Step] public static int Train(int x) => x;
            [ModalStep(Name = "Train")] public static int Other(int x) => x;
            [Pipeline] public static async Task Run() => Console.WriteLine(await Submit.Train(1) + await Submit.Other(2));
        }
        """,
        // Overloads: two stubs of one name, told apart by their inputs.
        """
        public static partial class Steps
        {
            [Step] public static int Train(string x) => x.Length;
            [Step] public static long Train(long x) => x;
            [Pipeline] public static async Task Run() => Console.WriteLine(await Submit.Train("a") + await Submit.Train(2L));
        }
        """,
        // Overloads that differ only in a CancellationToken: one stub signature, so one stub.
        """
        public static partial class Steps
        {
            [Step] public static int Train(int x) => x;
            [Step] public static int Train(int x, CancellationToken cancellationToken) => x;
            [Pipeline] public static async Task Run() => Console.WriteLine(await Submit.Train(1));
        }
        """,
    };

    [Theory]
    [MemberData(nameof(TwoStepsOfOneName))]
    public async Task Two_steps_of_one_name_are_reported_as_SOP104_and_nothing_else(string source)
    {
        var (result, diagnostics) = await CompileAsync(OutputKind.ConsoleApplication, source);

        Assert.NotEmpty(diagnostics);
        Assert.All(diagnostics, d => Assert.True(d.Id == "SOP104", d.ToString()));

        // The stubs exist so the pipeline binds; neither step is registered, so none of them can run.
        var generated = GeneratorHarness.AllGenerated(result);
        Assert.Contains("StepSubmission.Submit<", generated);
        Assert.DoesNotContain("StepEntrypoints.Orchestrator(\"Train\"", generated);
        Assert.DoesNotContain("StepEntrypoints.Modal(\"Train\"", generated);
    }

    [Fact]
    public async Task A_program_with_a_pipeline_and_no_entry_point_gets_the_generated_main_and_no_warning()
    {
        var (result, diagnostics) = await CompileAsync(OutputKind.ConsoleApplication,
            "public static partial class Steps { [Step] public static int Square(int x) => x * x; [Pipeline] public static async Task Run() => Console.WriteLine(await Submit.Square(3)); }");

        Assert.Contains(result.GeneratedTrees, t => t.FilePath.EndsWith("StepOperator.Main.g.cs", StringComparison.Ordinal));
        Assert.Empty(diagnostics);
    }

    [Theory]
    [InlineData("Console.WriteLine(\"Hello, World!\");", true)]
    [InlineData("public static class Program { public static void Main() => Console.WriteLine(\"mine\"); }", true)]
    [InlineData("return await StepOperatorHost.RunAsync(args);", false)]
    [InlineData("public static class Program { public static Task<int> Main(string[] args) => StepOperatorHost.RunAsync(args); }", false)]
    public async Task An_own_entry_point_gets_no_generated_main_and_SOP105_unless_it_calls_the_host(string entryPoint, bool warned)
    {
        var (result, diagnostics) = await CompileAsync(OutputKind.ConsoleApplication,
            entryPoint,
            "public static partial class Steps { [Step] public static int Square(int x) => x * x; [Pipeline] public static async Task Run() => Console.WriteLine(await Submit.Square(3)); }");

        Assert.DoesNotContain(result.GeneratedTrees, t => t.FilePath.EndsWith("StepOperator.Main.g.cs", StringComparison.Ordinal));
        Assert.Equal(warned ? new[] { "SOP105" } : Array.Empty<string>(), diagnostics.Select(d => d.Id).ToArray());
    }
}
