using System.Text.RegularExpressions;
using StepOperator.Testing;

namespace StepOperator.Runtime.Tests.Architecture;

/// <summary>
/// The design lives in the repository: the README's Layout section names the tree as it is, and the markdown the
/// repository ships (README.md, docs/, the packages' READMEs) links only to files the repository has.
/// </summary>
public partial class RepositoryDocsTests
{
    private static readonly string[] NotSources = ["bin", "obj", "node_modules"];

    [Fact]
    public void Every_path_the_layout_names_exists()
    {
        var missing = LayoutPaths().Where(path => !File.Exists(RepositoryPaths.Combine(path)) && !Directory.Exists(RepositoryPaths.Combine(path))
            && !(path.Contains('*') && Directory.EnumerateFiles(RepositoryPaths.Combine(Path.GetDirectoryName(path)!), Path.GetFileName(path)).Any()));

        Assert.Empty(missing);
    }

    [Fact]
    public void The_layout_names_every_project_folder_and_every_folder_of_the_runtime()
    {
        var named = LayoutPaths().Select(path => path.TrimEnd('/')).ToHashSet(StringComparer.Ordinal);
        var folders = new[] { "src", "src/Shared", "src/StepOperator.Runtime" }
            .SelectMany(parent => Directory.EnumerateDirectories(RepositoryPaths.Combine(parent))
                .Select(directory => parent + "/" + Path.GetFileName(directory)))
            .Concat(Directory.EnumerateDirectories(RepositoryPaths.Root).Select(Path.GetFileName).OfType<string>())
            .Where(folder => !Path.GetFileName(folder).StartsWith('.') && !NotSources.Contains(Path.GetFileName(folder)) && folder != "src/Shared")
            .ToList();

        var unnamed = folders.Where(folder => !named.Contains(folder) && !named.Any(path => path.StartsWith(folder + "/", StringComparison.Ordinal)));

        Assert.Empty(unnamed);
    }

    [Fact]
    public void The_repository_markdown_links_only_to_files_the_repository_has()
    {
        var documents = new[] { RepositoryPaths.Combine("README.md") }
            .Concat(Directory.EnumerateFiles(RepositoryPaths.Combine("docs"), "*.md", SearchOption.AllDirectories))
            .Concat(Directory.EnumerateFiles(RepositoryPaths.Combine("src"), "README.md", SearchOption.AllDirectories)
                .Where(file => !file.Split(Path.DirectorySeparatorChar).Any(NotSources.Contains)));

        var broken = documents
            .SelectMany(document => MarkdownLink().Matches(File.ReadAllText(document))
                .Select(match => match.Groups["target"].Value)
                .Where(target => !Regex.IsMatch(target, "^([a-zA-Z][a-zA-Z0-9+.-]*:|#)"))
                .Select(target => target.Split('#')[0])
                .Where(target => target.Length > 0)
                .Select(target => (Document: document, Target: target, Full: Path.GetFullPath(Path.Combine(Path.GetDirectoryName(document)!, target)))))
            .Where(link => !link.Full.StartsWith(RepositoryPaths.Root, StringComparison.Ordinal) || (!File.Exists(link.Full) && !Directory.Exists(link.Full)))
            .Select(link => $"{Path.GetRelativePath(RepositoryPaths.Root, link.Document)} -> {link.Target}");

        Assert.Empty(broken);
    }

    /// <summary>
    /// The paths the README's Layout block names: each line's first column, and for the runtime's indented lines the
    /// names of its folders and files (under src/StepOperator.Runtime).
    /// </summary>
    private static List<string> LayoutPaths()
    {
        var readme = File.ReadAllText(RepositoryPaths.Combine("README.md"));
        var section = readme[readme.IndexOf("\n## Layout", StringComparison.Ordinal)..];
        var block = section[(section.IndexOf("```", StringComparison.Ordinal) + 3)..];
        block = block[..block.IndexOf("```", StringComparison.Ordinal)];

        var paths = new List<string>();
        string? parent = null;
        foreach (var line in block.Split('\n').Where(line => line.Trim().Length > 0))
        {
            if (!line.StartsWith(' '))
            {
                var path = line.Split(' ', 2)[0];
                paths.Add(path);
                parent = path.EndsWith('/') ? path : null;
            }
            else if (parent is not null && line.StartsWith("  ", StringComparison.Ordinal) && !line.StartsWith("   ", StringComparison.Ordinal))
            {
                // "  Attributes/ Steps/             what they are": the names before the description's wide gap.
                var names = line.Trim().Split("  ", 2)[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                paths.AddRange(names.Select(name => parent + name));
            }
        }

        Assert.NotEmpty(paths);
        return paths;
    }

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex MarkdownLink();
}
