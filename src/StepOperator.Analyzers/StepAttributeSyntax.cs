using System;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace StepOperator.Analyzers;

/// <summary>Finds where in an attribute the user wrote a given property.</summary>
internal static class StepAttributeSyntax
{
    /// <summary>The named argument that sets <paramref name="property"/>, if written.</summary>
    public static AttributeArgumentSyntax? FindArgument(AttributeSyntax? attribute, string property) =>
        attribute?.ArgumentList?.Arguments.FirstOrDefault(a =>
            a.NameEquals is { } nameEquals &&
            string.Equals(nameEquals.Name.Identifier.ValueText, property, StringComparison.Ordinal));

    /// <summary>The method a local function or a lambda declares, when it carries attributes.</summary>
    public static IMethodSymbol? DeclaredMethod(SyntaxNode node, SemanticModel model, CancellationToken cancellationToken) => node switch
    {
        LocalFunctionStatementSyntax { AttributeLists.Count: > 0 } local => model.GetDeclaredSymbol(local, cancellationToken) as IMethodSymbol,
        ParenthesizedLambdaExpressionSyntax { AttributeLists.Count: > 0 } lambda => model.GetSymbolInfo(lambda, cancellationToken).Symbol as IMethodSymbol,
        _ => null,
    };

    /// <summary>
    /// Runs <paramref name="analyze"/> on every local function and lambda of the tree (within the context's filter span)
    /// that carries attributes. One plain syntax walk per tree from a semantic-model action, instead of syntax-node
    /// actions, which make the analyzer driver visit every node of every method body (benchmarks/GeneratorBenchmarks); the semantic
    /// model is asked only about the few nodes with attributes.
    /// </summary>
    public static void ForEachAttributedLocalFunctionOrLambda(SemanticModelAnalysisContext context, Action<IMethodSymbol, Action<Diagnostic>> analyze)
    {
        var root = context.SemanticModel.SyntaxTree.GetRoot(context.CancellationToken);
        var span = context.FilterSpan ?? root.FullSpan;
        foreach (var node in root.DescendantNodes(span))
        {
            if (node is LocalFunctionStatementSyntax { AttributeLists.Count: > 0 } or ParenthesizedLambdaExpressionSyntax { AttributeLists.Count: > 0 } &&
                DeclaredMethod(node, context.SemanticModel, context.CancellationToken) is { } method)
            {
                analyze(method, context.ReportDiagnostic);
            }
        }
    }

    /// <summary>The value's location for <paramref name="property"/>, else the attribute's name.</summary>
    public static Location ValueLocation(AttributeSyntax attribute, string property) =>
        FindArgument(attribute, property)?.Expression.GetLocation() ?? attribute.Name.GetLocation();
}
