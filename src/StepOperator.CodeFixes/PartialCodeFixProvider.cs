using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StepOperator.Analyzers;
using StepOperator.Roslyn;

namespace StepOperator.CodeFixes;

/// <summary>
/// SOP101 for a step in a type that is not partial: adds 'partial' to every type declaration around the step
/// that lacks it (the generator adds the Submit stubs to each of them).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PartialCodeFixProvider)), Shared]
public sealed class PartialCodeFixProvider : EditingCodeFixProvider
{
    public const string AddPartialKey = "SOP101.AddPartial";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.UnsupportedMethodShape.Id);

    internal override IEnumerable<OfferedFix> Offer(Diagnostic diagnostic, SyntaxNode root)
    {
        if (!diagnostic.Properties.TryGetValue(DiagnosticDescriptors.FixKey, out var fix) || fix != StepShape.AddPartialFix ||
            diagnostic.Location.SourceTree != root.SyntaxTree)
        {
            yield break;
        }

        var types = root.FindToken(diagnostic.Location.SourceSpan.Start).Parent?
            .AncestorsAndSelf()
            .OfType<TypeDeclarationSyntax>()
            .Where(t => !IsPartial(t))
            .ToList();
        if (types is null || types.Count == 0)
        {
            yield break;
        }

        var title = types.Count == 1
            ? $"Make '{types[0].Identifier.ValueText}' partial"
            : $"Make {string.Join(", ", types.Select(t => "'" + t.Identifier.ValueText + "'").Reverse())} partial";
        yield return new(title, AddPartialKey, editor =>
        {
            foreach (var type in types)
            {
                // Several steps of one type share its declaration: the callback sees the declaration as it is by then.
                editor.ReplaceNode(type, (current, _) => AddPartial((TypeDeclarationSyntax)current));
            }
        });
    }

    private static bool IsPartial(TypeDeclarationSyntax type) => type.Modifiers.Any(SyntaxKind.PartialKeyword);

    /// <summary>'partial' goes last among the modifiers, just before the keyword ("public static partial class").</summary>
    private static TypeDeclarationSyntax AddPartial(TypeDeclarationSyntax type)
    {
        if (IsPartial(type))
        {
            return type;
        }

        if (type.Modifiers.Count > 0)
        {
            return type.AddModifiers(SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space));
        }

        var keyword = type.Keyword;
        var partial = SyntaxFactory.Token(keyword.LeadingTrivia, SyntaxKind.PartialKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space));
        return type.WithKeyword(keyword.WithLeadingTrivia()).WithModifiers(SyntaxFactory.TokenList(partial));
    }
}
