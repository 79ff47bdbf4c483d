using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Editing;

namespace StepOperator.CodeFixes;

/// <summary>One fix offered for a diagnostic: its title, its equivalence key and the edit it makes.</summary>
internal sealed record OfferedFix(string Title, string EquivalenceKey, Action<SyntaxEditor> Edit);

/// <summary>
/// A code fix provider whose fixes are syntax edits, so that one fix and Fix All make the same change.
/// Fix All applies, per document, every diagnostic's fix through one <see cref="SyntaxEditor"/>: edits in
/// one attribute or on one type declaration compose instead of conflicting as merged text changes would.
/// </summary>
public abstract class EditingCodeFixProvider : CodeFixProvider
{
    public sealed override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(FixAllInDocumentAsync);

    public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            foreach (var fix in Offer(diagnostic, root))
            {
                var document = context.Document;
                context.RegisterCodeFix(
                    CodeAction.Create(fix.Title, ct => Task.FromResult(Apply(document, root, new[] { fix })), fix.EquivalenceKey),
                    diagnostic);
            }
        }
    }

    /// <summary>The fixes for <paramref name="diagnostic"/>, the one a tool should pick by default first; none when it has none.</summary>
    internal abstract IEnumerable<OfferedFix> Offer(Diagnostic diagnostic, SyntaxNode root);

    /// <summary>
    /// Each diagnostic gets the fix with the requested equivalence key, or its first fix when it offers no fix of that
    /// key. The fallback is what lets <c>dotnet format analyzers</c> fix a file with several IDs: it asks for the key
    /// of the first fix it found for whichever diagnostic it saw first, which may be another ID's key, or none.
    /// </summary>
    private async Task<Document?> FixAllInDocumentAsync(FixAllContext context, Document document, ImmutableArray<Diagnostic> diagnostics)
    {
        var root = await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return null;
        }

        var chosen = new List<OfferedFix>();
        foreach (var diagnostic in diagnostics.OrderBy(d => d.Location.SourceSpan.Start))
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            var offered = Offer(diagnostic, root).ToList();
            var fix = offered.FirstOrDefault(f => string.Equals(f.EquivalenceKey, context.CodeActionEquivalenceKey, StringComparison.Ordinal))
                ?? offered.FirstOrDefault();
            if (fix is not null)
            {
                chosen.Add(fix);
            }
        }

        return chosen.Count == 0 ? null : Apply(document, root, chosen);
    }

    private static Document Apply(Document document, SyntaxNode root, IEnumerable<OfferedFix> fixes)
    {
        var editor = new SyntaxEditor(root, document.Project.Solution.Services);
        foreach (var fix in fixes)
        {
            fix.Edit(editor);
        }

        return document.WithSyntaxRoot(editor.GetChangedRoot());
    }
}
