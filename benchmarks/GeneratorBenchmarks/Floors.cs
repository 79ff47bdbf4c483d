using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace GeneratorBenchmarks;

// These two are instantiated in-process by the benchmark, never loaded by a compiler: the rules for shipped
// compiler extensions (target netstandard2.0, release tracking, extended analyzer rules) do not apply.
#pragma warning disable RS1041, RS1036, RS2008

/// <summary>
/// The least a generator and an analyzer of StepOperator's kind can cost, for the compile-cost floor rows: an analyzer
/// that registers no action (what CompilationWithAnalyzers costs by itself) and a generator that finds every
/// [ModalStep] with ForAttributeWithMetadataName and emits nothing.
/// </summary>
internal static class Floors
{
    public static ImmutableArray<DiagnosticAnalyzer> EmptyAnalyzer { get; } = [new NothingAnalyzer()];

    public static ISourceGenerator AttributeOnlyGenerator() => new AttributeOnly().AsSourceGenerator();

    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    private sealed class NothingAnalyzer : DiagnosticAnalyzer
    {
        private static readonly DiagnosticDescriptor Never = new(
            "FLOOR001", "Never reported", "Never reported", "Benchmark", DiagnosticSeverity.Warning, isEnabledByDefault: true);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [Never];

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
        }
    }

    private sealed class AttributeOnly : IIncrementalGenerator
    {
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var names = context.SyntaxProvider.ForAttributeWithMetadataName(
                "StepOperator.ModalStepAttribute",
                static (node, _) => node is MethodDeclarationSyntax,
                static (attributed, _) => attributed.TargetSymbol.Name);
            context.RegisterSourceOutput(names.Collect(), static (_, _) => { });
        }
    }
}
