namespace StepOperator.Package.Tests;

/// <summary>
/// Packs every StepOperator package once, with the README's command (Release, a version of its own), into a
/// temporary local feed that the tests' fresh projects restore from.
/// </summary>
public sealed class PackedPackage : IAsyncLifetime
{
    public string Root { get; } = Directory.CreateTempSubdirectory("stepoperator-package-").FullName;

    public string Feed => Path.Combine(Root, "feed");

    public string Version { get; } = $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}";

    public string PackagePath => PathOf("StepOperator");

    /// <summary>The solution filter the README packs every package with.</summary>
    public const string PackagesFilter = "StepOperator.Packages.slnf";

    public static string RepositoryRoot => RepositoryPaths.Root;

    /// <summary>
    /// The machine's NuGet packages folder, which holds StepOperator's dependencies once the
    /// repository has been restored: the fresh projects restore them from there, offline.
    /// </summary>
    public static string GlobalPackagesFolder { get; } =
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    public async Task InitializeAsync()
    {
        var pack = await DotNetCli.RunAsync(RepositoryRoot, "pack", PackagesFilter, "-c", "Release", "-o", Feed, $"-p:Version={Version}");
        Assert.True(pack.ExitCode == 0, $"dotnet pack failed: {pack}");
        foreach (var id in new[] { "StepOperator", "StepOperator.Docker", "StepOperator.Modal", "StepOperator.S3", "StepOperator.Azure", "StepOperator.Templates" })
        {
            Assert.True(File.Exists(PathOf(id)), $"dotnet pack made no {PathOf(id)}: {pack}");
        }
    }

    /// <summary>The packed package <paramref name="id"/>.</summary>
    public string PathOf(string id) => Path.Combine(Feed, $"{id}.{Version}.nupkg");

    /// <summary>A fresh console project that restores StepOperator from the local feed only.</summary>
    public string CreateProject(string name, string programSource, string extraProperties = "")
    {
        var directory = Path.Combine(Root, name);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <RestorePackagesPath>{Path.Combine(Root, "packages")}</RestorePackagesPath>
                {extraProperties}
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="StepOperator" Version="{Version}" />
              </ItemGroup>
            </Project>
            """);
        WriteNuGetConfig(directory);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), programSource);
        return directory;
    }

    /// <summary>
    /// Makes a project directory restore from the local feed only (StepOperator's dependencies from the
    /// machine's packages folder), into a packages folder of the tests' own.
    /// </summary>
    public void WriteNuGetConfig(string directory) =>
        File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(Root, "packages")}" />
              </config>
              <packageSources>
                <clear />
                <add key="local" value="{Feed}" />
                <add key="dependencies" value="{GlobalPackagesFolder}" />
              </packageSources>
            </configuration>
            """);

    /// <summary>StepOperator.Templates, packed with the same version into the same feed by the README's command.</summary>
    public Task<string> PackTemplatesAsync() => Task.FromResult(PathOf("StepOperator.Templates"));

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }

        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class PackageCollection : ICollectionFixture<PackedPackage>
{
    public const string Name = "Packed StepOperator";
}
