using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StepOperator.Analyzers;

namespace StepOperator.CodeFixes;

/// <summary>
/// SOP005 and SOP007: writes the nearest valid number the analyzer suggested. A GpuCount above the type's
/// maximum becomes the maximum ("Set GpuCount = 4" for A10), a negative one 1 with a Gpu type and 0 without;
/// a Timeout below 1 becomes 1, above 86400 becomes 86400.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ClampCodeFixProvider)), Shared]
public sealed class ClampCodeFixProvider : EditingCodeFixProvider
{
    public const string GpuCountKey = "SOP005.ClampGpuCount";
    public const string TimeoutKey = "SOP007.ClampTimeout";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.GpuCountOutOfRange.Id, DiagnosticDescriptors.TimeoutOutOfRange.Id);

    internal override IEnumerable<OfferedFix> Offer(Diagnostic diagnostic, SyntaxNode root)
    {
        if (!diagnostic.Properties.TryGetValue(DiagnosticDescriptors.SuggestionKey, out var suggestion) ||
            !int.TryParse(suggestion, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ||
            SyntaxEdits.FindExpression(root, diagnostic) is not { Parent: AttributeArgumentSyntax { NameEquals: { } name } } expression)
        {
            yield break;
        }

        var key = diagnostic.Id == DiagnosticDescriptors.GpuCountOutOfRange.Id ? GpuCountKey : TimeoutKey;
        yield return new($"Set {name.Name.Identifier.ValueText} = {value.ToString(CultureInfo.InvariantCulture)}", key,
            editor => SyntaxEdits.Replace(editor, expression, SyntaxEdits.NumberLiteral(value)));
    }
}
