using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StepOperator.Analyzers;
using StepOperator.Roslyn;

namespace StepOperator.CodeFixes;

/// <summary>
/// SOP001: "Set GpuCount = 0". SOP002: "Set GpuCount = 1" or "Remove Gpu".
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(GpuCountCodeFixProvider)), Shared]
public sealed class GpuCountCodeFixProvider : EditingCodeFixProvider
{
    public const string SetZeroKey = "SOP001.SetGpuCountZero";
    public const string SetOneKey = "SOP002.SetGpuCountOne";
    public const string RemoveGpuKey = "SOP002.RemoveGpu";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.GpuCountWithoutType.Id, DiagnosticDescriptors.GpuTypeIgnored.Id);

    internal override IEnumerable<OfferedFix> Offer(Diagnostic diagnostic, SyntaxNode root)
    {
        if (SyntaxEdits.FindExpression(root, diagnostic) is not { Parent: AttributeArgumentSyntax argument } expression)
        {
            yield break;
        }

        if (diagnostic.Id == DiagnosticDescriptors.GpuCountWithoutType.Id)
        {
            yield return new("Set GpuCount = 0", SetZeroKey, editor => SyntaxEdits.Replace(editor, expression, SyntaxEdits.NumberLiteral(0)));
            yield break;
        }

        yield return new("Set GpuCount = 1", SetOneKey, editor => SyntaxEdits.Replace(editor, expression, SyntaxEdits.NumberLiteral(1)));

        var gpu = StepAttributeSyntax.FindArgument(argument.FirstAncestorOrSelf<AttributeSyntax>(), KnownAttributes.Properties.Gpu);
        if (gpu is not null)
        {
            yield return new("Remove Gpu", RemoveGpuKey, editor => editor.RemoveNode(gpu, SyntaxRemoveOptions.KeepNoTrivia));
        }
    }
}
