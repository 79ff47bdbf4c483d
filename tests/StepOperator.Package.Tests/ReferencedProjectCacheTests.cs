namespace StepOperator.Package.Tests;

/// <summary>
/// A step that calls into a class library the program references (a ProjectReference, as a new user
/// would add one): editing the library re-runs the steps that reach the edit and only those.
/// </summary>
[Collection(PackageCollection.Name)]
public class ReferencedProjectCacheTests(PackedPackage package)
{
    private const string LibraryModel = """
        namespace Lib;

        public static class Model
        {
            public static int Score(int x) => x * 2;
        }

        public static class Labels
        {
            public static string Name(int x) => $"item {x}";
        }
        """;

    [Fact]
    public async Task Editing_a_referenced_project_reruns_the_steps_that_reach_the_edit()
    {
        var library = Path.Combine(package.Root, "CacheLib");
        Directory.CreateDirectory(library);
        File.WriteAllText(Path.Combine(library, "CacheLib.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <RootNamespace>Lib</RootNamespace>
              </PropertyGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(library, "Model.cs"), LibraryModel);

        var app = package.CreateProject("CacheApp", """
            using StepOperator;

            public static partial class Steps
            {
                [Step]
                public static int Scored(int x) => Lib.Model.Score(x);

                [Step]
                public static string Labelled(int x) => Lib.Labels.Name(x);

                [Step]
                public static int Plain(int x) => x + 1;

                [Pipeline]
                public static async System.Threading.Tasks.Task Run()
                {
                    System.Console.WriteLine($"scored {await Submit.Scored(7)}");
                    System.Console.WriteLine($"labelled {await Submit.Labelled(7)}");
                    System.Console.WriteLine($"plain {await Submit.Plain(7)}");
                }
            }
            """);
        var project = Path.Combine(app, "CacheApp.csproj");
        File.WriteAllText(project, File.ReadAllText(project).Replace(
            "</Project>",
            """
              <ItemGroup>
                <ProjectReference Include="../CacheLib/CacheLib.csproj" />
              </ItemGroup>
            </Project>
            """,
            StringComparison.Ordinal));
        var home = Path.Combine(package.Root, "home-cache-lib");

        var first = await DotNetCli.RunAsync(app, "run", "--", "--home", home);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("scored 14", first.Output);

        var unchanged = await DotNetCli.RunAsync(app, "run", "--", "--home", home);
        Assert.True(unchanged.ExitCode == 0, unchanged.ToString());
        Assert.Contains("= Scored: cached", unchanged.Output);
        Assert.Contains("= Labelled: cached", unchanged.Output);

        File.WriteAllText(Path.Combine(library, "Model.cs"), LibraryModel.Replace("x * 2", "x * 3", StringComparison.Ordinal));
        var edited = await DotNetCli.RunAsync(app, "run", "--", "--home", home);

        Assert.True(edited.ExitCode == 0, edited.ToString());
        Assert.Contains("scored 21", edited.Output);
        Assert.Contains("> Scored: started on 'local' (not cached: code changed)", edited.Output);
        Assert.Contains("= Labelled: cached", edited.Output);
        Assert.Contains("= Plain: cached", edited.Output);
    }
}
