using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using StepOperator.Analyzers;
using StepOperator.Roslyn;

namespace StepOperator.CodeFixes;

/// <summary>
/// SOP011, at a CpuLimit or MemoryLimit: below its request, "Raise MemoryLimit to Memory" (the limit takes the
/// request's value) or "Lower Memory to MemoryLimit" (the request takes the limit's); without a request,
/// "Add Memory = ..." with the limit's value (reserve what the step may use at most).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LimitCodeFixProvider)), Shared]
public sealed class LimitCodeFixProvider : EditingCodeFixProvider
{
    public const string RaiseLimitKey = "SOP011.RaiseLimit";
    public const string LowerRequestKey = "SOP011.LowerRequest";
    public const string AddRequestKey = "SOP011.AddRequest";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.LimitBelowRequest.Id);

    internal override IEnumerable<OfferedFix> Offer(Diagnostic diagnostic, SyntaxNode root)
    {
        if (SyntaxEdits.FindExpression(root, diagnostic) is not { Parent: AttributeArgumentSyntax { NameEquals: { } name } limitArgument } expression ||
            RequestOf(name.Name.Identifier.ValueText) is not { } requestName)
        {
            yield break;
        }

        var limitName = name.Name.Identifier.ValueText;
        var request = StepAttributeSyntax.FindArgument(limitArgument.FirstAncestorOrSelf<AttributeSyntax>(), requestName);
        if (request is null)
        {
            if (limitArgument.Parent is AttributeArgumentListSyntax list)
            {
                yield return new($"Add {requestName} = {expression}", AddRequestKey,
                    editor => AddRequest(editor, list, limitName, requestName, expression));
            }

            yield break;
        }

        yield return new($"Raise {limitName} to {requestName}", RaiseLimitKey,
            editor => SyntaxEdits.Replace(editor, expression, request.Expression.WithoutTrivia()));
        yield return new($"Lower {requestName} to {limitName}", LowerRequestKey,
            editor => SyntaxEdits.Replace(editor, request.Expression, expression.WithoutTrivia()));
    }

    /// <summary>The request a limit belongs to: Memory for MemoryLimit, CpuCount for CpuLimit.</summary>
    private static string? RequestOf(string limit) => limit switch
    {
        KnownAttributes.Properties.MemoryLimit => KnownAttributes.Properties.Memory,
        KnownAttributes.Properties.CpuLimit => KnownAttributes.Properties.CpuCount,
        _ => null,
    };

    /// <summary>
    /// Writes the request just before its limit, with the limit's value. The list is rewritten as it is by then, so
    /// Fix All can add both requests (Memory and CpuCount) to one attribute.
    /// </summary>
    private static void AddRequest(SyntaxEditor editor, AttributeArgumentListSyntax list, string limitName, string requestName, ExpressionSyntax value) =>
        editor.ReplaceNode(list, (current, _) =>
        {
            var arguments = ((AttributeArgumentListSyntax)current).Arguments;
            var limit = arguments.FirstOrDefault(a => string.Equals(a.NameEquals?.Name.Identifier.ValueText, limitName, StringComparison.Ordinal));
            if (limit is null || arguments.Any(a => string.Equals(a.NameEquals?.Name.Identifier.ValueText, requestName, StringComparison.Ordinal)))
            {
                return current;
            }

            var request = SyntaxFactory.AttributeArgument(
                SyntaxFactory.NameEquals(SyntaxFactory.IdentifierName(requestName)),
                nameColon: null,
                value.WithoutTrivia());
            return ((AttributeArgumentListSyntax)current).WithArguments(arguments.Insert(arguments.IndexOf(limit), request));
        });
}
