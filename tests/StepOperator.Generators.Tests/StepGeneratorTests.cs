using System.Collections;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace StepOperator.Generators.Tests;

public class StepGeneratorTests
{
    private const string Usings = """
        using System;
        using System.IO;
        using System.Threading;
        using System.Threading.Tasks;
        using StepOperator;

        """;

    public static TheoryData<string, string> Cases => new()
    {
        {
            "SyncStaticStep",
            """
            namespace Demo;

            public static partial class Steps
            {
                [Step]
                public static int Double(int value) => 2 * value;
            }
            """
        },
        {
            "AsyncTaskOfT",
            """
            namespace Demo;

            public static partial class Steps
            {
                [ModalStep(Gpu = "A100", Memory = "32GB", CpuCount = 2, MemoryLimit = "64GB", CpuLimit = 4.5)]
                public static async Task<double[]> Train(double[] data) { await Task.Yield(); return data; }
            }
            """
        },
        {
            "RetryAndCachePolicy",
            """
            namespace Demo;

            public static partial class Steps
            {
                [ModalStep(Gpu = "T4", MaxRetries = 3, RetryDelay = 0.5, RetryBackoff = 2, RetryOnException = true, EnableCache = false)]
                public static int Flaky(int value) => value;
            }
            """
        },
        {
            "TaskStep",
            """
            namespace Demo;

            public static partial class Steps
            {
                [Step(Name = "publish")]
                public static Task Publish(string message) => Task.CompletedTask;
            }
            """
        },
        {
            "ValueTaskOfT",
            """
            namespace Demo;

            public static partial class Steps
            {
                [ModalStep(Gpu = "H100", GpuCount = 0)]
                public static ValueTask<string?> Describe(int? value) => new(value?.ToString());
            }
            """
        },
        {
            "CancellationTokenParameter",
            """
            namespace Demo;

            public static partial class Steps
            {
                [ModalStep(Timeout = 600)]
                public static async Task<byte[]> Download(string url, CancellationToken cancellationToken)
                {
                    await Task.Delay(1, cancellationToken);
                    return new byte[] { 1, 2, 3 };
                }
            }
            """
        },
        {
            "RecordOutput",
            """
            namespace Demo;

            public sealed record Model(double[] Weights, double Bias);

            public partial class Steps
            {
                [ModalStep(Gpu = "T4", GpuCount = 2, Region = "us-east-1", Cloud = "aws", ModalEnvironment = "dev", StepOperator = "modal")]
                public Model Fit(Stream data) => new(new double[0], 0);
            }
            """
        },
        {
            "NestedNamespacesAndClasses",
            """
            namespace Company.Ml
            {
                namespace Training
                {
                    public static partial class Outer
                    {
                        internal partial struct Middle
                        {
                            public static partial class Inner
                            {
                                [Step]
                                public static long Count(long[] items) => items.LongLength;

                                [Step]
                                public static void @event(int @class) { }
                            }
                        }
                    }
                }
            }
            """
        },
        {
            "PipelineWithFanOut",
            """
            namespace Demo;

            public sealed record Dataset(double[] Values);
            public sealed record Summary(string Name, double Value);

            public static partial class Steps
            {
                [Step]
                public static Dataset Load(int seed) => new(new double[] { seed });

                [Step]
                public static Summary Mean(Dataset data) => new("mean", 0);

                [Step]
                public static Summary Max(Dataset data) => new("max", 0);

                [Pipeline]
                public static async Task Analysis(CancellationToken cancellationToken)
                {
                    var data = Submit.Load(seed: 7);
                    var mean = Submit.Mean(data);
                    var max = Submit.Max(data);
                    Console.WriteLine((await mean).Value + (await max).Value);
                }
            }
            """
        },
    };

    /// <summary>A program when it has a pipeline (so Main is generated), else a library.</summary>
    private static OutputKind KindFor(string source) =>
        source.Contains("[Pipeline]", StringComparison.Ordinal) ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary;

    [Theory]
    [MemberData(nameof(Cases))]
    public void Generated_source_matches_the_snapshot(string name, string source)
    {
        var (result, _) = GeneratorHarness.Run(GeneratorHarness.Compile(KindFor(source), Usings + source));
        Assert.Empty(result.Diagnostics);
        Snapshot.Match(GeneratorHarness.AllGenerated(result), name);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Generated_code_compiles_warning_free_with_nullable_enabled(string name, string source)
    {
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.Compile(KindFor(source), Usings + source));
        Assert.NotEmpty(result.GeneratedTrees);
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()).ToList();
        Assert.True(problems.Count == 0, $"{name}:\n{string.Join("\n", problems)}");
    }

    [Fact]
    public void Main_is_emitted_only_for_an_executable_with_a_pipeline_and_no_entry_point()
    {
        const string pipeline = Usings + "public static partial class P { [Pipeline] public static void Run() { } }";
        static bool HasMain(GeneratorDriverRunResult result) => result.GeneratedTrees.Any(t => t.FilePath.EndsWith("StepOperator.Main.g.cs"));

        Assert.True(HasMain(GeneratorHarness.Run(GeneratorHarness.Compile(OutputKind.ConsoleApplication, pipeline)).Result));
        Assert.False(HasMain(GeneratorHarness.Run(GeneratorHarness.Compile(OutputKind.DynamicallyLinkedLibrary, pipeline)).Result));
        Assert.False(HasMain(GeneratorHarness.Run(GeneratorHarness.Compile(OutputKind.ConsoleApplication,
            pipeline, "public static class Program { public static void Main() { } }")).Result));
        Assert.False(HasMain(GeneratorHarness.Run(GeneratorHarness.Compile(OutputKind.ConsoleApplication,
            pipeline, "System.Console.WriteLine(1);")).Result));
        Assert.False(HasMain(GeneratorHarness.Run(GeneratorHarness.Compile(OutputKind.ConsoleApplication,
            Usings + "public static partial class S { [Step] public static int F(int x) => x; }")).Result));
    }

    [Fact]
    public void The_msbuild_property_turns_main_off()
    {
        var compilation = GeneratorHarness.Compile(OutputKind.ConsoleApplication, Usings + "public static class P { [Pipeline] public static void Run() { } }");
        var driver = GeneratorHarness.CreateDriver()
            .WithUpdatedAnalyzerConfigOptions(new TestOptionsProvider(StepGenerator.GenerateMainProperty, "false"));
        var result = driver.RunGenerators(compilation).GetRunResult();
        Assert.DoesNotContain(result.GeneratedTrees, t => t.FilePath.EndsWith("StepOperator.Main.g.cs"));
        Assert.Contains(result.GeneratedTrees, t => t.FilePath.EndsWith("StepOperator.Registration.g.cs"));
    }

    [Fact]
    public void Invalid_steps_are_left_out_silently()
    {
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.Compile(Usings + """
            public static partial class Steps
            {
                [ModalStep(Memory = "32 gb")]
                public static int BadMemory(int x) => x;

                [Step]
                public static T Generic<T>(T x) => x;

                [Step]
                private static int Hidden(int x) => x;

                [ModalStep(Gpu = "A100", GpuCount = 0)]
                public static int CpuOnly(int x) => x;

                [ModalStep(Memory = "32GB", MemoryLimit = "16GB")]
                public static int LimitBelowRequest(int x) => x;

                [Step(CpuLimit = 2)]
                public static int LimitWithoutRequest(int x) => x;

                [ModalStep(Gpu = "x900", GpuCount = 16)]
                public static int NewerGpu(int x) => x;

                [ModalStep(Gpu = "a100")]
                public static int LowerCaseGpu(int x) => x;
            }

            public static class NotPartial
            {
                [Step]
                public static int Lonely(int x) => x;
            }
            """));

        Assert.Empty(result.Diagnostics);
        var text = GeneratorHarness.AllGenerated(result);
        Assert.Contains("\"CpuOnly\"", text);
        Assert.Contains("\"NewerGpu\"", text);      // SOP004 is a warning: a type newer than the catalog still runs
        Assert.Contains("Gpu = \"x900\", GpuCount = 16", text);
        Assert.Contains("\"LowerCaseGpu\"", text);
        Assert.DoesNotContain("\"BadMemory\"", text);
        Assert.DoesNotContain("\"LimitBelowRequest\"", text);
        Assert.DoesNotContain("\"LimitWithoutRequest\"", text);
        Assert.DoesNotContain("\"Generic\"", text);
        Assert.DoesNotContain("\"Hidden\"", text);
        Assert.DoesNotContain("\"Lonely\"", text);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void No_steps_no_output()
    {
        var (result, _) = GeneratorHarness.Run(GeneratorHarness.Compile(OutputKind.ConsoleApplication, "public static class Plain { public static void Main() { } }"));
        Assert.Empty(result.GeneratedTrees);
    }

    private static string TwoTypes(string memory) => Usings + $$"""
        public static partial class A
        {
            [ModalStep(Memory = "{{memory}}")]
            public static int Train(int x) => x;

            [Step]
            public static int Score(int x) => x;
        }

        public static partial class B
        {
            [Step]
            public static int Report(int x) => x;

            [Pipeline]
            public static void Run() { }
        }
        """;

    [Fact]
    public void An_unrelated_edit_leaves_every_tracked_step_cached_or_unchanged()
    {
        var compilation = GeneratorHarness.Compile(OutputKind.ConsoleApplication, TwoTypes("32GB"), "public static class Other { }");
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        var edited = compilation.ReplaceSyntaxTree(
            compilation.SyntaxTrees.Last(),
            CSharpSyntaxTree.ParseText("public static class Other { public static int Added() => 42; }", GeneratorHarness.ParseOptions, path: "File1.cs"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        var checkedOutputs = 0;
        foreach (var (name, runs) in result.TrackedSteps.Where(s => OurTrackingNames.Contains(s.Key)))
        {
            foreach (var (_, reason) in runs.SelectMany(r => r.Outputs))
            {
                Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"tracking step '{name}' was {reason}");
                checkedOutputs++;
            }
        }

        Assert.True(checkedOutputs >= 6, $"only {checkedOutputs} tracked outputs");
        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void Changing_one_attribute_value_modifies_only_that_steps_output()
    {
        var compilation = GeneratorHarness.Compile(OutputKind.ConsoleApplication, TwoTypes("32GB"));
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var edited = compilation.ReplaceSyntaxTree(
            compilation.SyntaxTrees.Single(),
            CSharpSyntaxTree.ParseText(TwoTypes("64GB"), GeneratorHarness.ParseOptions, path: "File0.cs"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        var modelOutputs = result.TrackedSteps[StepGenerator.TrackingNames.Valid].SelectMany(r => r.Outputs).ToList();
        var modified = modelOutputs.Where(o => o.Reason == IncrementalStepRunReason.Modified).ToList();
        Assert.Equal("Train", ((dynamic)Assert.Single(modified).Value).Name);
        Assert.Equal(4, modelOutputs.Count);

        var stubs = result.TrackedSteps[StepGenerator.TrackingNames.StubGroups].SelectMany(r => r.Outputs).ToList();
        Assert.Equal(1, stubs.Count(o => o.Reason == IncrementalStepRunReason.Modified));
        Assert.Equal(1, stubs.Count(o => o.Reason is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached));
        Assert.Contains("Memory = \"64GB\"", result.GeneratedSources.Single(s => s.HintName.Contains("Registration")).SourceText.ToString());
    }

    [Fact]
    public void Pipeline_models_hold_no_roslyn_objects()
    {
        var compilation = GeneratorHarness.Compile(OutputKind.ConsoleApplication, TwoTypes("32GB"));
        var result = GeneratorHarness.CreateDriver().RunGenerators(compilation).GetRunResult().Results.Single();
        var examined = 0;
        foreach (var (name, runs) in result.TrackedSteps.Where(s => OurTrackingNames.Contains(s.Key)))
        {
            foreach (var (value, _) in runs.SelectMany(r => r.Outputs))
            {
                AssertNoRoslynObjects(value, name, depth: 0);
                examined++;
            }
        }

        Assert.True(examined >= 6, $"only {examined} tracked outputs were examined");
    }

    private static readonly HashSet<string> OurTrackingNames =
        typeof(StepGenerator.TrackingNames).GetFields().Select(f => (string)f.GetValue(null)!).ToHashSet();

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
