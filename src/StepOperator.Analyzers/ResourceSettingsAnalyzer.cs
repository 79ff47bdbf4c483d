using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using StepOperator.Roslyn;
using StepOperator.Rules;

namespace StepOperator.Analyzers;

/// <summary>
/// Reports every invalid resource setting of <c>[ModalStep]</c> and <c>[Step]</c> (SOP001–SOP010)
/// at the argument that breaks the rule, with the shared rules' own messages.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ResourceSettingsAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.GpuCountWithoutType,
        DiagnosticDescriptors.GpuTypeIgnored,
        DiagnosticDescriptors.MalformedMemory,
        DiagnosticDescriptors.UnknownGpu,
        DiagnosticDescriptors.GpuCountOutOfRange,
        DiagnosticDescriptors.CpuCountNotPositive,
        DiagnosticDescriptors.TimeoutOutOfRange,
        DiagnosticDescriptors.UnknownCloud,
        DiagnosticDescriptors.PlanRestricted,
        DiagnosticDescriptors.RetryPolicyOutOfRange);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var modalStep = start.Compilation.GetTypeByMetadataName(KnownAttributes.ModalStep);
            var step = start.Compilation.GetTypeByMetadataName(KnownAttributes.Step);
            if (modalStep is null && step is null)
            {
                return;
            }

            start.RegisterSymbolAction(
                symbolContext => AnalyzeMethod(symbolContext, modalStep, step),
                SymbolKind.Method);
        });
    }

    private static void AnalyzeMethod(SymbolAnalysisContext context, INamedTypeSymbol? modalStep, INamedTypeSymbol? step)
    {
        var method = (IMethodSymbol)context.Symbol;
        foreach (var attribute in method.GetAttributes())
        {
            var type = attribute.AttributeClass;
            if (type is null ||
                !(SymbolEqualityComparer.Default.Equals(type, modalStep) || SymbolEqualityComparer.Default.Equals(type, step)) ||
                attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) is not AttributeSyntax syntax)
            {
                continue;
            }

            var resources = AttributeValues.Resources(AttributeValues.Named(attribute));
            foreach (var violation in ResourceRules.Validate(resources))
            {
                var properties = violation.Suggestion is null
                    ? ImmutableDictionary<string, string?>.Empty
                    : ImmutableDictionary<string, string?>.Empty.Add(DiagnosticDescriptors.SuggestionKey, violation.Suggestion);
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.ForRule(violation.RuleId),
                    StepAttributeSyntax.ValueLocation(syntax, violation.Property),
                    properties,
                    violation.Message));
            }
        }
    }
}
