using System;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using StepOperator.Roslyn;
using StepOperator.Rules;

namespace StepOperator.Analyzers;

/// <summary>
/// Reports every invalid resource setting of <c>[ModalStep]</c> and <c>[Step]</c> (SOP001–SOP012)
/// at the argument that breaks the rule, with the shared rules' message formats and arguments.
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
        DiagnosticDescriptors.RetryPolicyOutOfRange,
        DiagnosticDescriptors.LimitBelowRequest,
        DiagnosticDescriptors.GpuSpelling);

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
                symbolContext => Analyze((IMethodSymbol)symbolContext.Symbol, symbolContext.ReportDiagnostic, modalStep, step, symbolContext.CancellationToken),
                SymbolKind.Method);

            // Local functions and lambdas are no symbols of their own: found by their syntax.
            start.RegisterSemanticModelAction(modelContext => StepAttributeSyntax.ForEachAttributedLocalFunctionOrLambda(
                modelContext, (method, report) => Analyze(method, report, modalStep, step, modelContext.CancellationToken)));
        });
    }

    private static void Analyze(IMethodSymbol method, Action<Diagnostic> report, INamedTypeSymbol? modalStep, INamedTypeSymbol? step, CancellationToken cancellationToken)
    {
        // A partial method's two declarations share one attribute list: judged once, at its definition.
        if (method.PartialDefinitionPart is not null)
        {
            return;
        }

        foreach (var attribute in method.GetAttributes())
        {
            var type = attribute.AttributeClass;
            if (type is null ||
                !(SymbolEqualityComparer.Default.Equals(type, modalStep) || SymbolEqualityComparer.Default.Equals(type, step)) ||
                attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is not AttributeSyntax syntax)
            {
                continue;
            }

            var resources = AttributeValues.Resources(AttributeValues.Named(attribute));
            foreach (var violation in ResourceRules.Validate(resources))
            {
                var properties = violation.Suggestion is null
                    ? ImmutableDictionary<string, string?>.Empty
                    : ImmutableDictionary<string, string?>.Empty.Add(DiagnosticDescriptors.SuggestionKey, violation.Suggestion);
                report(Diagnostic.Create(
                    DiagnosticDescriptors.ForRule(violation.RuleId),
                    StepAttributeSyntax.ValueLocation(syntax, violation.Property),
                    properties,
                    violation.Arguments.ToArray<object>()));
            }
        }
    }
}
