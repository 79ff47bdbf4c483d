using System.Diagnostics.CodeAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace StepOperator.Generators.Tests;

/// <summary>Global analyzer config options with one key set, as MSBuild's CompilerVisibleProperty would.</summary>
internal sealed class TestOptionsProvider(string key, string value) : AnalyzerConfigOptionsProvider
{
    public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(key, value);

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Options.Empty;

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Options.Empty;

    private sealed class Options(string? key, string? value) : AnalyzerConfigOptions
    {
        public static Options Empty { get; } = new(null, null);

        public override bool TryGetValue(string name, [NotNullWhen(true)] out string? result)
        {
            result = name == key ? value : null;
            return result is not null;
        }
    }
}
