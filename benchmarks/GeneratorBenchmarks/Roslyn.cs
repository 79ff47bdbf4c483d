using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using StepOperator;
using StepOperator.Generators;

namespace GeneratorBenchmarks;

/// <summary>What the benchmarks compile with: parse options, references, the generator and every analyzer.</summary>
internal static class Roslyn
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    /// <summary>.NET 10 reference assemblies plus StepOperator.Runtime, as a project using StepOperator has.</summary>
    public static readonly ImmutableArray<MetadataReference> References =
        Basic.Reference.Assemblies.Net100.References.All
            .Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(ModalStepAttribute).Assembly.Location))
            .ToImmutableArray();

    /// <summary>Every [DiagnosticAnalyzer] in StepOperator.Analyzers, found the way the compiler finds them.</summary>
    public static ImmutableArray<DiagnosticAnalyzer> CreateAnalyzers() =>
        typeof(StepOperator.Analyzers.ResourceSettingsAnalyzer).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) &&
                t.GetCustomAttribute<DiagnosticAnalyzerAttribute>()?.Languages.Contains(LanguageNames.CSharp) == true)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();

    public static ISourceGenerator CreateGenerator() => new StepGenerator().AsSourceGenerator();

    public static SyntaxTree Parse(SourceFile file) =>
        CSharpSyntaxTree.ParseText(file.Text, ParseOptions, path: file.Path);

    public static CSharpCompilation Compilation(IEnumerable<SyntaxTree> trees, OutputKind kind, bool concurrentBuild) =>
        CSharpCompilation.Create(
            "Bench",
            trees,
            References,
            new CSharpCompilationOptions(kind, nullableContextOptions: NullableContextOptions.Enable, concurrentBuild: concurrentBuild));

    public static GeneratorDriver CreateDriver(bool trackSteps) => CreateDriver(CreateGenerator(), trackSteps);

    public static GeneratorDriver CreateDriver(ISourceGenerator generator, bool trackSteps) =>
        CSharpGeneratorDriver.Create(
            [generator],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>The errors among <paramref name="diagnostics"/>, described, at most <paramref name="max"/>.</summary>
    public static string Errors(IEnumerable<Diagnostic> diagnostics, int max = 5) =>
        string.Join(Environment.NewLine, diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(max).Select(d => "  " + d));
}
