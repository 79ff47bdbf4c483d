using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;

namespace StepOperator.CodeFixes;

/// <summary>The small syntax edits the code fixes make.</summary>
internal static class SyntaxEdits
{
    /// <summary>The expression a diagnostic points at (an attribute argument's value).</summary>
    public static ExpressionSyntax? FindExpression(SyntaxNode root, Diagnostic diagnostic) =>
        diagnostic.Location.SourceTree == root.SyntaxTree && root.FullSpan.Contains(diagnostic.Location.SourceSpan)
            ? root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) as ExpressionSyntax
            : null;

    /// <summary>Replaces <paramref name="oldNode"/> by <paramref name="newNode"/>, keeping the old node's trivia.</summary>
    public static void Replace(SyntaxEditor editor, SyntaxNode oldNode, SyntaxNode newNode) =>
        editor.ReplaceNode(oldNode, newNode.WithTriviaFrom(oldNode));

    public static LiteralExpressionSyntax StringLiteral(string value) =>
        SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(value));

    public static LiteralExpressionSyntax NumberLiteral(int value) =>
        SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(value));
}
