using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace StepOperator.Analyzers.Tests;

/// <summary>
/// Runs an analyzer (and optionally a code fix) on test source with offline references:
/// the .NET 10 reference assemblies from Basic.Reference.Assemblies and StepOperator.Runtime.
/// </summary>
internal static class Verifier<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public const string Usings = "using System;\nusing System.IO;\nusing System.Threading;\nusing System.Threading.Tasks;\nusing StepOperator;\n\n";

    public static Task AnalyzerAsync(string source, params DiagnosticResult[] expected)
    {
        var test = Create(source);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    public static Task AnalyzerAsync(OutputKind outputKind, string source, params DiagnosticResult[] expected)
    {
        var test = Create(source, outputKind);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    public static Task CodeFixAsync(string source, string fixedSource, string? equivalenceKey = null, string? batchFixedSource = null) =>
        CodeFixAsync(OutputKind.DynamicallyLinkedLibrary, source, fixedSource, equivalenceKey, batchFixedSource);

    public static Task CodeFixAsync(OutputKind outputKind, string source, string fixedSource, string? equivalenceKey = null, string? batchFixedSource = null)
    {
        var test = Create(source, outputKind);
        test.FixedCode = Usings + fixedSource;
        test.CodeActionEquivalenceKey = equivalenceKey;
        if (batchFixedSource is not null)
        {
            test.BatchFixedCode = Usings + batchFixedSource;
        }

        return test.RunAsync();
    }

    public static DiagnosticResult Diagnostic(string id) => new(id, DiagnosticSeverity.Error);

    private static CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier> Create(string source, OutputKind outputKind = OutputKind.DynamicallyLinkedLibrary)
    {
        var test = new CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
        {
            TestCode = Usings + source,
            ReferenceAssemblies = new ReferenceAssemblies("net10.0"),
        };
        test.TestState.OutputKind = outputKind;
        test.FixedState.OutputKind = outputKind;
        test.BatchFixedState.OutputKind = outputKind;
        test.TestState.AdditionalReferences.AddRange(TestReferences.All);
        test.FixedState.AdditionalReferences.AddRange(TestReferences.All);
        test.BatchFixedState.AdditionalReferences.AddRange(TestReferences.All);
        return test;
    }
}

internal static class TestReferences
{
    public static IReadOnlyList<MetadataReference> All { get; } =
        Basic.Reference.Assemblies.Net100.References.All
            .Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(ModalStepAttribute).Assembly.Location))
            .ToList();
}
