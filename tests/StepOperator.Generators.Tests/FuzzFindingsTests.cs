using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace StepOperator.Generators.Tests;

/// <summary>
/// Programs the fuzzer (tests/StepOperator.Fuzz.Tests) found the generator failing on: valid steps whose
/// generated code did not compile or warned, generator exceptions, and code generated for steps the
/// analyzer reports an error on. Doc comments are diagnosed, as in a project that writes its XML docs.
/// </summary>
public class FuzzFindingsTests
{
    private const string Usings = "using System;\nusing System.Threading;\nusing System.Threading.Tasks;\nusing StepOperator;\n\n";

    private static readonly CSharpParseOptions ParseOptions =
        GeneratorHarness.ParseOptions.WithDocumentationMode(DocumentationMode.Diagnose);

    private static (GeneratorDriverRunResult Result, Compilation Output) Run(string source)
    {
        var compilation = CSharpCompilation.Create(
            "UserProgram",
            new[] { CSharpSyntaxTree.ParseText(Usings + source, ParseOptions, path: "File0.cs") },
            GeneratorHarness.References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var driver = CSharpGeneratorDriver.Create(new[] { new StepGenerator().AsSourceGenerator() }, parseOptions: ParseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        return (driver.GetRunResult(), output);
    }

    /// <summary>The generator ran without failing, emitted code, and that code has no error or warning.</summary>
    private static string AssertGeneratesCleanly(string source)
    {
        var (result, output) = Run(source);
        Assert.All(result.Results, r => Assert.Null(r.Exception));
        Assert.Empty(result.Diagnostics);
        Assert.NotEmpty(result.GeneratedTrees);
        var problems = output.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error ||
                (d.Severity == DiagnosticSeverity.Warning && d.Location.SourceTree is { } tree && result.GeneratedTrees.Contains(tree)))
            .Select(d => d.ToString())
            .ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems) + "\n" + GeneratorHarness.AllGenerated(result));
        return GeneratorHarness.AllGenerated(result);
    }

    [Theory]
    [InlineData("int invocation")]
    [InlineData("string cancellationToken")]
    [InlineData("double[] result")]
    [InlineData("int invocation, int invocation_, CancellationToken cancellationToken")]
    [InlineData("int result, int cancellationToken_, int cancellationToken")]
    public void Inputs_named_like_the_entrypoints_own_names(string parameters)
    {
        // Through a StepEntrypoints helper, the inputs are only strings.
        var generated = AssertGeneratesCleanly($"public static partial class Steps {{ [Step] public static int Train({parameters}) => 1; }}");
        Assert.Contains("global::StepOperator.Execution.StepEntrypoints.Result", generated);
        Assert.DoesNotContain("ReadInputAsync<", generated);

        // With more inputs than the helpers take, in an entrypoint method of its own, they become its locals.
        var padding = string.Concat(Enumerable.Range(1, 8).Select(i => $", int p{i}"));
        generated = AssertGeneratesCleanly($"public static partial class Steps {{ [Step] public static int Train({parameters}{padding}) => 1; }}");
        Assert.Contains("ReadInputAsync<", generated);
        Assert.Contains("_Entrypoint(", generated);
    }

    [Theory]
    [InlineData("a\\nb")]
    [InlineData("a\\r\\nb")]
    [InlineData("a\\u2028b")]
    [InlineData("a\\u2029b")]
    [InlineData("a\\u0085b")]
    [InlineData("\\uD800")]
    [InlineData("x\\u0000y\\u0001")]
    [InlineData("</summary>&<b>")]
    public void Step_names_that_would_break_a_doc_comment(string escapedName)
    {
        var generated = AssertGeneratesCleanly($"public static partial class Steps {{ [Step(Name = \"{escapedName}\")] public static int Train(int x) => x; }}");
        Assert.Contains("StepEntrypoints.Orchestrator(", generated);

        // The step name is also in the doc comment of an entrypoint method of its own (more inputs than the helpers take).
        var inputs = string.Join(", ", Enumerable.Range(1, 9).Select(i => $"int x{i}"));
        generated = AssertGeneratesCleanly($"public static partial class Steps {{ [Step(Name = \"{escapedName}\")] public static int Train({inputs}) => x1; }}");
        Assert.Contains("/// <summary>Runs step ", generated);
    }

    [Fact]
    public void Types_and_namespaces_named_with_keywords()
    {
        var generated = AssertGeneratesCleanly("""
            namespace Fz.@event
            {
                public static partial class @class { [Step] public static int Train(int x) => x; }
            }
            """);
        Assert.Contains("partial class @class", generated);
        Assert.Contains("namespace Fz.@event", generated);
    }

    [Fact]
    public void Types_whose_names_differ_only_in_case_get_a_stub_file_each()
    {
        var (result, _) = Run("""
            public static partial class Steps { [Step] public static int Train(int x) => x; }
            public static partial class steps { [Step] public static int Evaluate(int x) => x; }
            public static partial class Ünïcödé { [Step] public static int Load(int x) => x; }
            """);
        Assert.Empty(result.Diagnostics);
        var stubs = result.GeneratedTrees.Select(t => Path.GetFileName(t.FilePath)).Where(n => n.StartsWith("StepOperator.Stubs.", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, stubs.Count);
        Assert.Equal(3, stubs.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        AssertGeneratesCleanly("""
            public static partial class Steps { [Step] public static int Train(int x) => x; }
            public static partial class steps { [Step] public static int Evaluate(int x) => x; }
            public static partial class Ünïcödé { [Step] public static int Load(int x) => x; }
            """);
    }

    [Theory]
    [InlineData("await")]
    [InlineData("var")]
    [InlineData("nameof")]
    [InlineData("async")]
    public void Methods_named_with_contextual_keywords(string name) =>
        AssertGeneratesCleanly($"public static partial class Steps {{ [Step] public static int {name}(int x) => x; }}");

    [Fact]
    public void An_internal_step_may_take_and_return_internal_types()
    {
        var generated = AssertGeneratesCleanly("""
            internal sealed record Data(int X);
            public static partial class Steps { [Step] internal static Data Train(Data data) => data; }
            """);
        Assert.Contains("internal static global::StepOperator.StepOutput<global::Data> Train(", generated);
    }

    [Fact]
    public void A_void_step_without_inputs_awaits_something()
    {
        AssertGeneratesCleanly("public static partial class Steps { [Step] public static void Ping() { } }");
        AssertGeneratesCleanly("public static partial class Steps { [Step] public static void Ping(CancellationToken cancellationToken) { } }");
    }

    [Theory]
    [InlineData("ToString")]
    [InlineData("GetHashCode")]
    [InlineData("GetType")]
    public void A_stub_named_like_a_method_of_object(string name) =>
        AssertGeneratesCleanly($"public static partial class Steps {{ [Step] public static int {name}(CancellationToken cancellationToken) => 1; }}");

    [Theory]
    [InlineData("[Step, ModalStep] public static int Train(int x) => x;")]
    [InlineData("[ModalStep] [Step] public static int Train(int x) => x;")]
    [InlineData("[Step] public static int Submit(int x) => x;")]
    [InlineData("public static void Submit(string job) { } [Step] public static int Train(int x) => x;")]
    public void Nothing_is_generated_for_a_step_the_analyzer_reports_an_error_on(string members)
    {
        var (result, output) = Run($"public static partial class Steps {{ {members} }}");
        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.GeneratedTrees);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void A_step_keeps_its_output_when_another_one_has_the_same_name_only_by_an_error()
    {
        // The duplicate check counts every marked method, as the analyzer does; a step of a distinct name is unaffected.
        var (result, _) = Run("public static partial class Steps { [Step] public static int Train(int x) => x; [Step(Name = \"Train\")] public static int Copy(int x) => x; [Step] public static int Evaluate(int x) => x; }");
        var generated = GeneratorHarness.AllGenerated(result);
        Assert.Contains("Orchestrator(\"Evaluate\"", generated);
        Assert.DoesNotContain("Orchestrator(\"Train\"", generated);
    }

    [Theory]
    [InlineData("[Step] public static partial int Train(int x); public static partial int Train(int x) => x;")]
    [InlineData("public static partial int Train(int x); [Step] public static partial int Train(int x) => x;")]
    public void A_partial_method_is_one_step(string members)
    {
        var generated = AssertGeneratesCleanly($"public static partial class Steps {{ {members} }}");
        Assert.Single(Regex.Matches(generated, "global::StepOperator.Execution.StepEntrypoints.Orchestrator\\("));
    }

    [Theory]
    [InlineData("[Step] public int Train(CancellationToken token, int x) => x;", "static (a1, token) => new global::Steps().Train(token, a1)")]
    [InlineData("[Step] public static int Train(CancellationToken first, int x, CancellationToken second) => x;", "static (a1, token) => global::Steps.Train(token, a1, token)")]
    [InlineData("[Step] public void Train(int x) { }", "Void1<int>(static (a1) => new global::Steps().Train(a1), \"x\")")]
    [InlineData("[Step] public static Task<int> Train(int x, CancellationToken token) => Task.FromResult(x);", "TaskResult1C<int, int>(global::Steps.Train, \"x\")")]
    public void Instance_steps_and_tokens_elsewhere_than_last_go_through_a_lambda(string members, string expected)
    {
        var generated = AssertGeneratesCleanly($"public partial class Steps {{ {members} }}");
        Assert.Contains(expected, generated);
    }
}
