using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using StepOperator.Roslyn;

namespace StepOperator.Analyzers;

/// <summary>
/// Reports step and pipeline methods that generated code cannot serve (SOP101–SOP103) and
/// step names used twice (SOP104).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class StepMethodAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.UnsupportedMethodShape,
        DiagnosticDescriptors.UnsupportedParameterPassing,
        DiagnosticDescriptors.NotAnArtifactType,
        DiagnosticDescriptors.DuplicateStepName);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var known = new KnownTypes(
                start.Compilation.GetTypeByMetadataName(KnownAttributes.ModalStep),
                start.Compilation.GetTypeByMetadataName(KnownAttributes.Step),
                start.Compilation.GetTypeByMetadataName(KnownAttributes.Pipeline));
            if (known.IsEmpty)
            {
                return;
            }

            var stepNames = new ConcurrentBag<(string Name, Location Location)>();
            start.RegisterSymbolAction(c => AnalyzeMethod(c, known, stepNames), SymbolKind.Method);
            start.RegisterSemanticModelAction(c => StepAttributeSyntax.ForEachAttributedLocalFunctionOrLambda(
                c, (method, report) => _ = Judge(method, known, report).ToList()));
            start.RegisterCompilationEndAction(c => ReportDuplicates(c, stepNames));
        });
    }

    private static void AnalyzeMethod(SymbolAnalysisContext context, KnownTypes known, ConcurrentBag<(string, Location)> stepNames)
    {
        var method = (IMethodSymbol)context.Symbol;

        // A partial method's two declarations share one attribute list: judged (and its name counted) once, at its definition.
        if (method.PartialDefinitionPart is not null)
        {
            return;
        }

        foreach (var (role, attribute) in Judge(method, known, context.ReportDiagnostic))
        {
            if (role != KnownTypes.PipelineRole)
            {
                var explicitName = AttributeValues.String(AttributeValues.Named(attribute), KnownAttributes.Properties.Name);
                var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) as AttributeSyntax;
                var location = explicitName is not null && syntax is not null
                    ? StepAttributeSyntax.ValueLocation(syntax, KnownAttributes.Properties.Name)
                    : method.Locations.FirstOrDefault() ?? Location.None;
                stepNames.Add((explicitName ?? method.Name, location));
            }
        }
    }

    /// <summary>Reports what keeps <paramref name="method"/> from being a step or pipeline; yields the mark it is judged by.</summary>
    private static IEnumerable<(string Role, AttributeData Attribute)> Judge(IMethodSymbol method, KnownTypes known, Action<Diagnostic> report)
    {
        var marked = method.GetAttributes().Where(a => known.RoleOf(a.AttributeClass) is not null).ToList();
        if (marked.Count > 1)
        {
            // [Step] with [ModalStep] (or [Pipeline]): one method cannot be two things; judged once.
            var marks = string.Join(" and ", marked.Select(a => "[" + a.AttributeClass!.Name.Replace("Attribute", string.Empty) + "]"));
            var roles = string.Join(" and a ", marked.Select(a => known.RoleOf(a.AttributeClass)!.ToLowerInvariant()).Distinct());
            report(Diagnostic.Create(
                DiagnosticDescriptors.UnsupportedMethodShape,
                method.Locations.FirstOrDefault(),
                $"Method '{method.Name}'", roles, $"it is marked {marks}; keep one of them."));
            marked = marked.Take(1).ToList();
        }

        foreach (var attribute in marked)
        {
            var role = known.RoleOf(attribute.AttributeClass)!;
            foreach (var problem in StepShape.Check(method, role))
            {
                Report(report, problem, method);
            }

            yield return (role, attribute);
        }
    }

    private static void ReportDuplicates(CompilationAnalysisContext context, ConcurrentBag<(string Name, Location Location)> stepNames)
    {
        foreach (var group in stepNames.GroupBy(s => s.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            var all = group.OrderBy(s => s.Location.SourceTree?.FilePath, StringComparer.Ordinal)
                .ThenBy(s => s.Location.SourceSpan.Start).ToList();
            foreach (var (name, location) in all)
            {
                var others = all.Where(o => o.Location != location).Select(o => o.Location);
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.DuplicateStepName,
                    location,
                    others,
                    name, all.Count.ToString(CultureInfo.InvariantCulture)));
            }
        }
    }

    private static void Report(Action<Diagnostic> report, ShapeProblem problem, IMethodSymbol method)
    {
        var descriptor = problem.RuleId switch
        {
            StepShape.UnsupportedPassing => DiagnosticDescriptors.UnsupportedParameterPassing,
            StepShape.NotAnArtifact => DiagnosticDescriptors.NotAnArtifactType,
            _ => DiagnosticDescriptors.UnsupportedMethodShape,
        };
        var properties = problem.Fix is null
            ? ImmutableDictionary<string, string?>.Empty
            : ImmutableDictionary<string, string?>.Empty.Add(DiagnosticDescriptors.FixKey, problem.Fix);
        report(Diagnostic.Create(descriptor, problem.Location ?? method.Locations.FirstOrDefault(), properties, problem.Arguments.ToArray<object>()));
    }

    private sealed class KnownTypes(INamedTypeSymbol? modalStep, INamedTypeSymbol? step, INamedTypeSymbol? pipeline)
    {
        public const string PipelineRole = StepShape.PipelineRole;

        public bool IsEmpty => modalStep is null && step is null && pipeline is null;

        public string? RoleOf(INamedTypeSymbol? attributeClass)
        {
            if (attributeClass is null)
            {
                return null;
            }

            if (SymbolEqualityComparer.Default.Equals(attributeClass, modalStep) || SymbolEqualityComparer.Default.Equals(attributeClass, step))
            {
                return StepShape.StepRole;
            }

            return SymbolEqualityComparer.Default.Equals(attributeClass, pipeline) ? PipelineRole : null;
        }
    }
}
