using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StepOperator.Analyzers;
using StepOperator.Rules;

namespace StepOperator.CodeFixes;

/// <summary>
/// SOP003: rewrites a near-miss memory size ("32 gb", "32Gb", "32G") as a well-formed one,
/// offering the decimal and the binary reading ("32GB", "32GiB").
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MemoryCodeFixProvider)), Shared]
public sealed class MemoryCodeFixProvider : EditingCodeFixProvider
{
    public const string DecimalKey = "SOP003.Decimal";
    public const string BinaryKey = "SOP003.Binary";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.MalformedMemory.Id);

    internal override IEnumerable<OfferedFix> Offer(Diagnostic diagnostic, SyntaxNode root)
    {
        if (SyntaxEdits.FindExpression(root, diagnostic) is not LiteralExpressionSyntax literal || !literal.IsKind(SyntaxKind.StringLiteralExpression))
        {
            yield break;
        }

        foreach (var suggestion in MemorySize.SuggestCorrections(literal.Token.Value as string))
        {
            var key = suggestion.EndsWith("iB", StringComparison.Ordinal) ? BinaryKey : DecimalKey;
            yield return new($"Use \"{suggestion}\"", key, editor => SyntaxEdits.Replace(editor, literal, SyntaxEdits.StringLiteral(suggestion)));
        }
    }
}
