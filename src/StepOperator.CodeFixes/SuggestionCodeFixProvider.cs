using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using StepOperator.Analyzers;

namespace StepOperator.CodeFixes;

/// <summary>
/// SOP004, SOP008 and SOP012: replaces an unknown GPU type ("A100_80GB", "h-100") or cloud ("AWS"), or a GPU
/// type in another case than Modal's ("a100"), with the catalog value the analyzer suggested.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SuggestionCodeFixProvider)), Shared]
public sealed class SuggestionCodeFixProvider : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("SOP004", "SOP008", "SOP012");

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(DiagnosticDescriptors.SuggestionKey, out var suggestion) || suggestion is null)
            {
                continue;
            }

            var expression = await SyntaxEdits.FindExpressionAsync(context.Document, diagnostic.Location.SourceSpan, context.CancellationToken).ConfigureAwait(false);
            if (expression is null)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Use \"{suggestion}\"",
                    ct => SyntaxEdits.ReplaceAsync(context.Document, expression, SyntaxEdits.StringLiteral(suggestion), ct),
                    equivalenceKey: diagnostic.Id),
                diagnostic);
        }
    }
}
