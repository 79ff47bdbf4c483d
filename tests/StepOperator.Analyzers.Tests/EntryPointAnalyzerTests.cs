using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using StepOperator.CodeFixes;
using Verify = StepOperator.Analyzers.Tests.Verifier<StepOperator.Analyzers.EntryPointAnalyzer, StepOperator.CodeFixes.EntryPointCodeFixProvider>;

namespace StepOperator.Analyzers.Tests;

/// <summary>SOP105: a program with a pipeline whose own entry point never calls StepOperatorHost.RunAsync.</summary>
public class EntryPointAnalyzerTests
{
    private const string PipelineType = """
        public static partial class Steps
        {
            [Pipeline]
            public static Task {|#1:Training|}() => Task.CompletedTask;
        }
        """;

    private static DiagnosticResult Sop105(params object[] arguments) =>
        new DiagnosticResult("SOP105", DiagnosticSeverity.Warning).WithLocation(0).WithLocation(1).WithArguments(arguments);

    private const string NoMainGenerated = "StepOperator generates no Main for a program that has its own";

    [Fact]
    public Task Top_level_statements_of_a_new_console_app_are_reported_with_why_and_what_to_do() =>
        Verify.AnalyzerAsync(OutputKind.ConsoleApplication,
            "// See https://aka.ms/new-console-template for more information\n" +
            "{|#0:Console.WriteLine(\"Hello, World!\");|}\n\n" + PipelineType,
            Sop105("Pipeline 'Training' never runs", "the top-level statements in Test0.cs", NoMainGenerated,
                "Delete the top-level statements to use the generated Main, or end them with 'return await StepOperatorHost.RunAsync(args);'"));

    [Fact]
    public Task A_static_main_is_reported_at_its_name() =>
        Verify.AnalyzerAsync(OutputKind.ConsoleApplication, PipelineType + """

            public static class Program
            {
                public static void {|#0:Main|}() => Console.WriteLine("hello");
            }
            """,
            Sop105("Pipeline 'Training' never runs", "Program.Main", NoMainGenerated,
                "Delete Main to use the generated one, or call 'return await StepOperatorHost.RunAsync(args);' from it"));

    [Theory]
    [InlineData("return await StepOperatorHost.RunAsync(args);")]
    [InlineData("Console.WriteLine(\"before\"); await Launcher.Start(args);")]
    [InlineData("Func<string[], Task<int>> run = StepOperatorHost.RunAsync; return await run(args);")]
    public Task A_program_that_refers_to_the_host_anywhere_is_fine(string statements) =>
        Verify.AnalyzerAsync(OutputKind.ConsoleApplication, statements + "\n\n" + PipelineType.Replace("{|#1:Training|}", "Training") + """

            public static class Launcher
            {
                public static Task<int> Start(string[] args) => StepOperator.StepOperatorHost.RunAsync(args);
            }
            """.Replace("StepOperator.StepOperatorHost.RunAsync(args)", statements.Contains("Launcher") ? "StepOperator.StepOperatorHost.RunAsync(args)" : "Task.FromResult(0)"));

    [Fact]
    public Task Through_using_static_the_call_counts() =>
        Verify.AnalyzerAsync(OutputKind.ConsoleApplication, """
            public static class Program
            {
                public static Task<int> Main(string[] args) => Run(args);

                private static Task<int> Run(string[] args) => global::StepOperator.StepOperatorHost.RunAsync(args);
            }

            """ + PipelineType.Replace("{|#1:Training|}", "Training"));

    [Fact]
    public Task A_library_is_never_reported() =>
        Verify.AnalyzerAsync(OutputKind.DynamicallyLinkedLibrary, PipelineType.Replace("{|#1:Training|}", "Training") + """

            public static class Program
            {
                public static void Main() { }
            }
            """);

    [Fact]
    public Task A_program_without_a_pipeline_is_never_reported() =>
        Verify.AnalyzerAsync(OutputKind.ConsoleApplication, """
            Console.WriteLine("Hello, World!");

            public static partial class Steps
            {
                [Step]
                public static int Twice(int x) => 2 * x;
            }
            """);

    [Fact]
    public Task With_the_generated_main_off_the_message_says_so() =>
        new CSharpCodeFixTest<EntryPointAnalyzer, EntryPointCodeFixProvider, DefaultVerifier>
        {
            TestState =
            {
                Sources = { Verifier<EntryPointAnalyzer, EntryPointCodeFixProvider>.Usings + "{|#0:Console.WriteLine(\"x\");|}\n\n" + PipelineType },
                OutputKind = OutputKind.ConsoleApplication,
                AnalyzerConfigFiles = { ("/.globalconfig", "is_global = true\nbuild_property.StepOperatorGenerateMain = false\n") },
                ExpectedDiagnostics =
                {
                    Sop105("Pipeline 'Training' never runs", "the top-level statements in Test0.cs", "StepOperatorGenerateMain is false, so StepOperator generated no Main",
                        "Call it from there: 'return await StepOperatorHost.RunAsync(args);'"),
                },
            },
            ReferenceAssemblies = new ReferenceAssemblies("net10.0"),
        }.WithReferences().RunAsync();

    [Fact]
    public Task Fix_ends_the_top_level_statements_with_the_host_call() =>
        Verify.CodeFixAsync(OutputKind.ConsoleApplication,
            "{|SOP105:Console.WriteLine(\"Hello, World!\");|}\nawait Task.Yield();\n\n" + PipelineType.Replace("{|#1:Training|}", "Training"),
            "Console.WriteLine(\"Hello, World!\");\nawait Task.Yield();\nreturn await StepOperatorHost.RunAsync(args);\n\n" + PipelineType.Replace("{|#1:Training|}", "Training"),
            EntryPointCodeFixProvider.CallHostKey);

    [Fact]
    public Task Fix_puts_the_host_call_on_a_line_of_its_own_when_the_file_ends_without_one() =>
        new CSharpCodeFixTest<EntryPointAnalyzer, EntryPointCodeFixProvider, DefaultVerifier>
        {
            TestState =
            {
                Sources =
                {
                    "using StepOperator;\n\n{|SOP105:System.Console.WriteLine(\"Hello, World!\");|}",
                    Verify.Usings + PipelineType.Replace("{|#1:Training|}", "Training"),
                },
                OutputKind = OutputKind.ConsoleApplication,
            },
            FixedState =
            {
                Sources =
                {
                    "using StepOperator;\n\nSystem.Console.WriteLine(\"Hello, World!\");\nreturn await StepOperatorHost.RunAsync(args);\n",
                    Verify.Usings + PipelineType.Replace("{|#1:Training|}", "Training"),
                },
                OutputKind = OutputKind.ConsoleApplication,
            },
            CodeActionEquivalenceKey = EntryPointCodeFixProvider.CallHostKey,
            ReferenceAssemblies = new ReferenceAssemblies("net10.0"),
        }.WithReferences().RunAsync();

    [Fact]
    public Task Fix_can_delete_the_top_level_statements_instead() =>
        new CSharpCodeFixTest<EntryPointAnalyzer, EntryPointCodeFixProvider, DefaultVerifier>
        {
            TestState =
            {
                Sources = { Verify.Usings + "// See https://aka.ms/new-console-template for more information\n{|SOP105:Console.WriteLine(\"Hello, World!\");|}\nConsole.WriteLine(\"Bye\");\n\n" + PipelineType.Replace("{|#1:Training|}", "Training") },
                OutputKind = OutputKind.ConsoleApplication,
            },
            FixedState =
            {
                Sources = { Verify.Usings + PipelineType.Replace("{|#1:Training|}", "Training") },
                OutputKind = OutputKind.ConsoleApplication,
                // No generator in this test: the generated Main is what would fill the gap.
                ExpectedDiagnostics = { DiagnosticResult.CompilerError("CS5001") },
            },
            CodeActionEquivalenceKey = EntryPointCodeFixProvider.UseGeneratedMainKey,
            ReferenceAssemblies = new ReferenceAssemblies("net10.0"),
        }.WithReferences().RunAsync();

    [Fact]
    public Task Top_level_statements_that_return_get_only_the_delete_fix() =>
        new CSharpCodeFixTest<EntryPointAnalyzer, EntryPointCodeFixProvider, DefaultVerifier>
        {
            TestState =
            {
                Sources = { Verify.Usings + "{|SOP105:if (args.Length > 0) { return 1; }|}\nreturn 0;\n\n" + PipelineType.Replace("{|#1:Training|}", "Training") },
                OutputKind = OutputKind.ConsoleApplication,
            },
            FixedState =
            {
                Sources = { Verify.Usings + "{|SOP105:if (args.Length > 0) { return 1; }|}\nreturn 0;\n\n" + PipelineType.Replace("{|#1:Training|}", "Training") },
                OutputKind = OutputKind.ConsoleApplication,
            },
            CodeActionEquivalenceKey = EntryPointCodeFixProvider.CallHostKey,
            ReferenceAssemblies = new ReferenceAssemblies("net10.0"),
        }.WithReferences().RunAsync();

    [Theory]
    [InlineData(
        "public static void {|SOP105:Main|}()\n    {\n        Console.WriteLine(\"hello\");\n    }",
        "public static async Task<int> Main(string[] args)\n    {\n        Console.WriteLine(\"hello\");\n        return await StepOperatorHost.RunAsync(args);\n    }")]
    [InlineData(
        "static async Task {|SOP105:Main|}(string[] arguments)\n    {\n        await Task.Yield();\n    }",
        "static async Task<int> Main(string[] arguments)\n    {\n        await Task.Yield();\n        return await StepOperatorHost.RunAsync(arguments);\n    }")]
    [InlineData(
        "static void {|SOP105:Main|}() => Console.WriteLine(\"hello\");",
        "static async Task<int> Main(string[] args)\n    {\n        Console.WriteLine(\"hello\");\n        return await StepOperatorHost.RunAsync(args);\n    }")]
    public Task Fix_makes_main_call_the_host(string before, string after) =>
        Verify.CodeFixAsync(OutputKind.ConsoleApplication,
            PipelineType.Replace("{|#1:Training|}", "Training") + "\n\npublic static class Program\n{\n    " + before + "\n}\n",
            PipelineType.Replace("{|#1:Training|}", "Training") + "\n\npublic static class Program\n{\n    " + after + "\n}\n",
            EntryPointCodeFixProvider.CallHostKey);
}

internal static class CodeFixTestExtensions
{
    public static CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier> WithReferences<TAnalyzer, TCodeFix>(this CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier> test)
        where TAnalyzer : Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer, new()
        where TCodeFix : Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider, new()
    {
        test.TestState.AdditionalReferences.AddRange(TestReferences.All);
        test.FixedState.AdditionalReferences.AddRange(TestReferences.All);
        test.BatchFixedState.AdditionalReferences.AddRange(TestReferences.All);
        return test;
    }
}
