using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using StepOperator.Rules;

namespace StepOperator.CodeFixes;

/// <summary>
/// SOP003: rewrites a near-miss memory size ("32 gb", "32Gb", "32G") as a well-formed one,
/// offering the decimal and the binary reading ("32GB", "32GiB").
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MemoryCodeFixProvider)), Shared]
public sealed class MemoryCodeFixProvider : CodeFixProvider
{
    public const string DecimalKey = "SOP003.Decimal";
    public const string BinaryKey = "SOP003.Binary";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("SOP003");

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (var diagnostic in context.Diagnostics)
        {
            var expression = await SyntaxEdits.FindExpressionAsync(context.Document, diagnostic.Location.SourceSpan, context.CancellationToken).ConfigureAwait(false);
            if (expression is null || !expression.IsKind(SyntaxKind.StringLiteralExpression))
            {
                continue;
            }

            var written = (string?)((Microsoft.CodeAnalysis.CSharp.Syntax.LiteralExpressionSyntax)expression).Token.Value;
            foreach (var suggestion in MemorySize.SuggestCorrections(written))
            {
                var key = suggestion.EndsWith("iB", System.StringComparison.Ordinal) ? BinaryKey : DecimalKey;
                context.RegisterCodeFix(
                    CodeAction.Create(
                        $"Use \"{suggestion}\"",
                        ct => SyntaxEdits.ReplaceAsync(context.Document, expression, SyntaxEdits.StringLiteral(suggestion), ct),
                        equivalenceKey: key),
                    diagnostic);
            }
        }
    }
}
