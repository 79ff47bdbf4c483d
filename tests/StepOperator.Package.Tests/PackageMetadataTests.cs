using System.IO.Compression;
using System.Reflection.Metadata;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace StepOperator.Package.Tests;

/// <summary>
/// What a package page and a debugger need: the repository's address (from the one property that holds
/// it), the icon, a README whose links work away from the repository, and symbols with Source Link.
/// </summary>
[Collection(PackageCollection.Name)]
public class PackageMetadataTests(PackedPackage package)
{
    private static readonly XDocument BuildProperties = XDocument.Load(Path.Combine(PackedPackage.RepositoryRoot, "Directory.Build.props"));

    private static string RepositoryUrl => BuildProperties.Descendants("RepositoryUrl").Single().Value;

    [Fact]
    public async Task Both_packages_name_the_repository_carry_the_icon_and_a_readme_with_absolute_links()
    {
        var templates = await package.PackTemplatesAsync();
        foreach (var path in new[] { package.PackagePath, templates })
        {
            using var zip = ZipFile.OpenRead(path);
            var nuspec = XDocument.Load(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
            var metadata = nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            string Value(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value ?? "";

            var repository = metadata.Elements().Single(e => e.Name.LocalName == "repository");
            Assert.Equal(RepositoryUrl, repository.Attribute("url")?.Value);
            Assert.Matches("^[0-9a-f]{40}$", repository.Attribute("commit")?.Value ?? "");
            Assert.Equal(RepositoryUrl, Value("projectUrl"));
            Assert.Equal("MIT", Value("license"));
            Assert.Equal("icon.png", Value("icon"));
            Assert.NotNull(zip.GetEntry("icon.png"));
            Assert.Equal("README.md", Value("readme"));

            using var reader = new StreamReader(zip.GetEntry("README.md")!.Open());
            var readme = reader.ReadToEnd();
            var links = Regex.Matches(readme, @"!?\[[^\]]*\]\(([^)\s]+)\)").Select(m => m.Groups[1].Value).ToList();
            Assert.NotEmpty(links);
            Assert.All(links, link => Assert.Matches("^(https?://|#|mailto:)", link));
            foreach (var link in links.Where(l => l.StartsWith(RepositoryUrl + "/blob/", StringComparison.Ordinal)))
            {
                // .../blob/<branch>/<path>: the path is a file or folder of the repository.
                var inRepository = Path.Combine(PackedPackage.RepositoryRoot, link[(RepositoryUrl.Length + "/blob/".Length)..].Split('/', 2)[1].Split('#')[0]);
                Assert.True(File.Exists(inRepository) || Directory.Exists(inRepository), $"{link} leads nowhere");
            }
        }
    }

    [Fact]
    public void Symbols_ship_beside_the_package_with_source_link_to_the_repository()
    {
        var symbols = Path.ChangeExtension(package.PackagePath, ".snupkg");
        Assert.True(File.Exists(symbols), $"no symbol package {symbols}");
        using var zip = ZipFile.OpenRead(symbols);
        var pdb = zip.GetEntry("lib/net10.0/StepOperator.Runtime.pdb");
        Assert.NotNull(pdb);

        using var copy = new MemoryStream();
        using (var stream = pdb.Open())
        {
            stream.CopyTo(copy);
        }

        copy.Position = 0;
        using var provider = MetadataReaderProvider.FromPortablePdbStream(copy);
        var reader = provider.GetMetadataReader();
        var sourceLinkKind = new Guid("CC110556-A091-4D38-9FEC-25AB9A351A6A");
        var sourceLink = reader.CustomDebugInformation
            .Select(reader.GetCustomDebugInformation)
            .Where(info => reader.GetGuid(info.Kind) == sourceLinkKind)
            .Select(info => Encoding.UTF8.GetString(reader.GetBlobBytes(info.Value)))
            .SingleOrDefault();
        Assert.NotNull(sourceLink);
        var raw = RepositoryUrl.Replace("https://github.com/", "https://raw.githubusercontent.com/", StringComparison.Ordinal);
        Assert.Matches($"\"{Regex.Escape(raw)}/[0-9a-f]{{40}}/\\*\"", sourceLink);
    }
}
