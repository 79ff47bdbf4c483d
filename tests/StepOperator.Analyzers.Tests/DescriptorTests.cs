using System.Globalization;
using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using StepOperator.Rules;

namespace StepOperator.Analyzers.Tests;

/// <summary>The diagnostics contract: IDs, severities, message formats, help pages and release tracking.</summary>
public class DescriptorTests
{
    private static readonly Dictionary<string, DiagnosticSeverity> Contract = new()
    {
        ["SOP001"] = DiagnosticSeverity.Error,
        ["SOP002"] = DiagnosticSeverity.Warning,
        ["SOP003"] = DiagnosticSeverity.Error,
        ["SOP004"] = DiagnosticSeverity.Warning,
        ["SOP005"] = DiagnosticSeverity.Error,
        ["SOP006"] = DiagnosticSeverity.Error,
        ["SOP007"] = DiagnosticSeverity.Error,
        ["SOP008"] = DiagnosticSeverity.Error,
        ["SOP009"] = DiagnosticSeverity.Info,
        ["SOP010"] = DiagnosticSeverity.Error,
        ["SOP011"] = DiagnosticSeverity.Error,
        ["SOP012"] = DiagnosticSeverity.Hidden,
        ["SOP101"] = DiagnosticSeverity.Error,
        ["SOP102"] = DiagnosticSeverity.Error,
        ["SOP103"] = DiagnosticSeverity.Error,
        ["SOP104"] = DiagnosticSeverity.Error,
        ["SOP105"] = DiagnosticSeverity.Warning,
    };

    private static readonly IReadOnlyList<DiagnosticDescriptor> Descriptors =
        new DiagnosticAnalyzer[] { new ResourceSettingsAnalyzer(), new StepMethodAnalyzer(), new EntryPointAnalyzer() }
            .SelectMany(a => a.SupportedDiagnostics)
            .ToList();

    [Fact]
    public void Every_contract_id_is_reported_with_its_severity()
    {
        Assert.Equal(Contract.Keys.Order(), Descriptors.Select(d => d.Id).Order());
        Assert.All(Descriptors, d => Assert.Equal(Contract[d.Id], d.DefaultSeverity));
        Assert.All(Descriptors, d => Assert.True(d.IsEnabledByDefault));
    }

    [Fact]
    public void Every_id_links_to_its_page_and_the_page_exists()
    {
        var root = RepositoryPaths.Root;
        // The one place that holds the repository's address.
        var properties = XDocument.Load(Path.Combine(root, "Directory.Build.props"));
        string Property(string name) => properties.Descendants(name).Single().Value;
        foreach (var descriptor in Descriptors)
        {
            Assert.Equal($"{Property("RepositoryUrl")}/blob/{Property("RepositoryBranch")}/docs/diagnostics/{descriptor.Id}.md", descriptor.HelpLinkUri);
            var page = Path.Combine(root, "docs", "diagnostics", descriptor.Id + ".md");
            Assert.True(File.Exists(page), $"missing {page}");
            var text = File.ReadAllText(page);
            Assert.StartsWith($"# {descriptor.Id}", text);
            Assert.Contains("## How to fix", text);
            Assert.Contains("## Example", text);
        }
    }

    [Fact]
    public void Every_id_describes_the_rule_and_its_fix_in_full_sentences()
    {
        foreach (var descriptor in Descriptors)
        {
            var description = descriptor.Description.ToString(CultureInfo.InvariantCulture);
            Assert.True(description.Length > 40, $"{descriptor.Id} has no description worth the name: '{description}'");
            Assert.EndsWith(".", description);
            Assert.NotEqual(descriptor.Title.ToString(CultureInfo.InvariantCulture), description);
        }
    }

    [Fact]
    public void Every_id_has_a_message_format_with_arguments_and_its_page_shows_it()
    {
        foreach (var descriptor in Descriptors)
        {
            var format = descriptor.MessageFormat.ToString(CultureInfo.InvariantCulture);
            Assert.Contains("{0}", format);
            Assert.True(format.Length > "{0}".Length * 4, $"{descriptor.Id}'s message format is no more than its arguments: '{format}'");
            var page = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "diagnostics", descriptor.Id + ".md"));
            Assert.Contains($"Message format: `{format}`", page);
        }
    }

    [Fact]
    public void Resource_rules_are_reported_with_the_format_the_runtime_prints()
    {
        var resourceRules = Descriptors.Where(d => d.Category == "StepOperator.Resources").ToList();
        Assert.Equal(12, resourceRules.Count);
        Assert.All(resourceRules, d => Assert.Equal(ResourceRules.MessageFormats.For(d.Id), d.MessageFormat.ToString(CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Release_tracking_lists_every_id_with_its_severity()
    {
        var unshipped = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, "src", "StepOperator.Analyzers", "AnalyzerReleases.Unshipped.md"));
        foreach (var descriptor in Descriptors)
        {
            Assert.Contains(unshipped, line => line.StartsWith(descriptor.Id + " ", StringComparison.Ordinal) &&
                line.Contains($"| {descriptor.Category} | {descriptor.DefaultSeverity} |", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void The_readme_table_links_every_page()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        Assert.All(Descriptors, d => Assert.Contains($"[{d.Id}](docs/diagnostics/{d.Id}.md)", readme));
    }
}
