using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using StepOperator.Analyzers;

namespace StepOperator.CodeFixes;

/// <summary>
/// SOP004, SOP008 and SOP012: replaces an unknown GPU type ("A100_80GB", "h-100") or cloud ("AWS"), or a GPU
/// type in another case than Modal's ("a100"), with the catalog value the analyzer suggested.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SuggestionCodeFixProvider)), Shared]
public sealed class SuggestionCodeFixProvider : EditingCodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.UnknownGpu.Id, DiagnosticDescriptors.UnknownCloud.Id, DiagnosticDescriptors.GpuSpelling.Id);

    internal override IEnumerable<OfferedFix> Offer(Diagnostic diagnostic, SyntaxNode root)
    {
        if (!diagnostic.Properties.TryGetValue(DiagnosticDescriptors.SuggestionKey, out var suggestion) || suggestion is null ||
            SyntaxEdits.FindExpression(root, diagnostic) is not { } expression)
        {
            yield break;
        }

        yield return new($"Use \"{suggestion}\"", diagnostic.Id, editor => SyntaxEdits.Replace(editor, expression, SyntaxEdits.StringLiteral(suggestion)));
    }
}
