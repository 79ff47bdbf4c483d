using System.Reflection;
using System.Runtime.Loader;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using StepOperator.Caching;

namespace StepOperator.Runtime.Tests;

/// <summary>
/// A step's code identity comes from its own compiled code: two builds of a program that differ in
/// one step (or in code only it reaches) differ in that step's identity alone.
/// </summary>
public class CodeIdentityTests
{
    private const string Original = """
        using System;
        using System.Linq;
        using System.Threading.Tasks;

        public static class Steps
        {
            public static int Double(int value) => value * 2;

            public static async Task<int> Slow(int value)
            {
                await Task.Delay(1);
                return value + 1;
            }

            public static int WithLambda(int[] values) => values.Select(v => v + 1).Sum();

            public static int UsesHelper(int value) => Helper.Scale(value);

            public static string Greets(string name) => $"hello {name}";
        }

        public static class Helper
        {
            public static int Scale(int value) => value * 10;
        }
        """;

    [Fact]
    public void The_same_source_compiled_twice_has_the_same_identity()
    {
        var first = Load(Original);
        var second = Load(Original);
        foreach (var step in new[] { "Double", "Slow", "WithLambda", "UsesHelper", "Greets" })
        {
            Assert.Equal(Identity(first, step), Identity(second, step));
        }
    }

    [Fact]
    public void Editing_one_step_changes_its_identity_only()
    {
        var original = Load(Original);
        var edited = Load(Original.Replace("value * 2", "value * 3", StringComparison.Ordinal));
        Assert.NotEqual(Identity(original, "Double"), Identity(edited, "Double"));
        Assert.All(new[] { "Slow", "WithLambda", "UsesHelper", "Greets" }, step => Assert.Equal(Identity(original, step), Identity(edited, step)));
    }

    [Theory]
    [InlineData("return value + 1;", "return value + 2;", "Slow")]            // inside an async state machine
    [InlineData("v => v + 1", "v => v + 2", "WithLambda")]                    // inside a lambda
    [InlineData("value * 10", "value * 11", "UsesHelper")]                    // in a helper it calls
    [InlineData("$\"hello {name}\"", "$\"hi {name}\"", "Greets")]             // a string literal
    public void Edits_in_code_a_step_reaches_change_that_step(string before, string after, string step)
    {
        var original = Load(Original);
        var edited = Load(Original.Replace(before, after, StringComparison.Ordinal));
        Assert.NotEqual(Identity(original, step), Identity(edited, step));
        Assert.Equal(Identity(original, "Double"), Identity(edited, "Double"));
    }

    [Fact]
    public void New_methods_lambdas_and_strings_elsewhere_leave_other_steps_alone()
    {
        // Compiler-generated names carry ordinals and string tokens carry heap offsets: both shift when
        // code is added above a step, which must not change the step's identity.
        var original = Load(Original);
        var grown = Load(Original.ReplaceLineEndings("\n").Replace("public static class Steps\n{", """
            public static class Steps
            {
                public static string Added(int[] values) => string.Join(",", values.Where(v => v > 3).Select(v => $"item {v}"));

                public static async Task<int> AddedAsync() { await Task.Yield(); return 1; }
            """, StringComparison.Ordinal).ReplaceLineEndings("\n"));
        Assert.NotNull(grown.GetType("Steps")!.GetMethod("Added")); // the code did grow
        foreach (var step in new[] { "Double", "Slow", "WithLambda", "UsesHelper", "Greets" })
        {
            Assert.Equal(Identity(original, step), Identity(grown, step));
        }
    }

    private const string Library = """
        using System;
        using System.Collections.Generic;

        namespace Lib;

        public static class Model
        {
            public static int Score(int x) => x * 2;
        }

        public interface IScorer
        {
            int Score(int x);
        }

        public static class Scorers
        {
            // Made by name: the walk cannot see which type this is.
            public static IScorer Create() => (IScorer)Activator.CreateInstance(Type.GetType("Lib.HiddenScorer")!)!;
        }

        internal sealed class HiddenScorer : IScorer
        {
            public int Score(int x) => x + 100;
        }

        public sealed class ByLength : IComparer<string>
        {
            public int Compare(string? a, string? b) => (a?.Length ?? 0).CompareTo(b?.Length ?? 0);
        }

        public sealed record Point(int X, int Y)
        {
            public int Sum => X + Y;
        }

        public static class Unused
        {
            public static int Other(int x) => x - 1;
        }
        """;

    private const string Consumer = """
        using System;
        using System.Linq;

        public static class Steps
        {
            public static int UsesLibrary(int x) => Lib.Model.Score(x);

            public static int ThroughInterface(int x) => Lib.Scorers.Create().Score(x);

            public static string[] Sorts(string[] words)
            {
                Array.Sort(words, new Lib.ByLength());
                return words;
            }

            public static int TakesPoint(Lib.Point point) => point.X;

            public static int Alone(int x) => x + 1;
        }
        """;

    [Theory]
    [InlineData("x * 2", "x * 3", "UsesLibrary")]                                        // a static call into a referenced project
    [InlineData("x + 100", "x + 101", "ThroughInterface")]                               // an interface call whose target is made by reflection
    [InlineData("(a?.Length ?? 0).CompareTo", "(b?.Length ?? 0).CompareTo", "Sorts")]    // a callback the framework makes
    [InlineData("public int Sum => X + Y;", "public int Sum => X - Y;", "TakesPoint")]   // an input's property, read by the serializer
    public void Edits_in_a_referenced_project_change_the_steps_that_reach_them_only(string before, string after, string step)
    {
        var original = LoadPair(Library, Consumer, ProjectLibrary);
        var edited = LoadPair(Library.Replace(before, after, StringComparison.Ordinal), Consumer, ProjectLibrary);

        Assert.NotEqual(original.Identity(step), edited.Identity(step));
        Assert.Equal(original.Identity("Alone"), edited.Identity("Alone"));
        foreach (var other in new[] { "UsesLibrary", "ThroughInterface", "Sorts", "TakesPoint" }.Where(other => other != step))
        {
            Assert.Equal(original.Identity(other), edited.Identity(other));
        }
    }

    [Fact]
    public void Code_a_step_does_not_reach_in_a_referenced_project_leaves_it_alone()
    {
        var original = LoadPair(Library, Consumer, ProjectLibrary);
        var edited = LoadPair(Library.Replace("x - 1", "x - 2", StringComparison.Ordinal), Consumer, ProjectLibrary);

        var differ = new[] { "UsesLibrary", "ThroughInterface", "Sorts", "TakesPoint", "Alone" }.Where(step => original.Identity(step) != edited.Identity(step)).ToList();
        Assert.Empty(differ);
    }

    [Fact]
    public void A_package_counts_by_its_version_not_its_content()
    {
        var original = LoadPair(Library, Consumer, PackagedLibrary("1.0.0"));
        var edited = LoadPair(Library.Replace("x * 2", "x * 3", StringComparison.Ordinal), Consumer, PackagedLibrary("1.0.0"));
        var upgraded = LoadPair(Library, Consumer, PackagedLibrary("1.0.1"));

        Assert.Equal(original.Identity("UsesLibrary"), edited.Identity("UsesLibrary"));
        Assert.NotEqual(original.Identity("UsesLibrary"), upgraded.Identity("UsesLibrary"));
        Assert.Equal(original.Identity("Alone"), upgraded.Identity("Alone"));
    }

    [Fact]
    public void Overrides_in_the_programs_own_assembly_count_behind_a_virtual_call()
    {
        const string source = """
            public abstract class Shape { public abstract int Area(); }
            public sealed class Square : Shape { public override int Area() => 4 * 4; }
            public static class Shapes { public static Shape Make() => (Shape)System.Activator.CreateInstance(System.Type.GetType("Square")!)!; }
            public static class Steps
            {
                public static int Measures() => Shapes.Make().Area();
                public static int Double(int value) => value * 2;
            }
            """;
        var original = Load(source);
        var edited = Load(source.Replace("4 * 4", "4 * 5", StringComparison.Ordinal));

        Assert.NotEqual(Identity(original, "Measures"), Identity(edited, "Measures"));
        Assert.Equal(Identity(original, "Double"), Identity(edited, "Double"));
    }

    [Fact]
    public void Deps_json_names_the_package_assemblies_and_leaves_projects_out()
    {
        var deps = Path.Combine(Directory.CreateTempSubdirectory("deps-").FullName, "App.deps.json");
        File.WriteAllText(deps, """
            {
              "runtimeTarget": { "name": ".NETCoreApp,Version=v10.0/linux-x64", "signature": "" },
              "targets": {
                ".NETCoreApp,Version=v10.0/linux-x64": {
                  "App/1.0.0": { "dependencies": { "Lib": "1.0.0", "Newtonsoft.Json": "13.0.3" }, "runtime": { "App.dll": {} } },
                  "Lib/1.0.0": { "runtime": { "Lib.dll": {} } },
                  "Newtonsoft.Json/13.0.3": { "runtime": { "lib/net6.0/Newtonsoft.Json.dll": { "assemblyVersion": "13.0.0.0" } } },
                  "Native.Thing/2.0.0": { "runtimeTargets": { "runtimes/linux-x64/lib/net8.0/Native.Thing.dll": { "rid": "linux-x64", "assetType": "runtime" } } },
                  "Vendor.Dll/1.0.0": { "runtime": { "Vendor.Dll.dll": {} } }
                }
              },
              "libraries": {
                "App/1.0.0": { "type": "project", "serviceable": false, "sha512": "" },
                "Lib/1.0.0": { "type": "project", "serviceable": false, "sha512": "" },
                "Newtonsoft.Json/13.0.3": { "type": "package", "serviceable": true, "sha512": "sha512-abc" },
                "Native.Thing/2.0.0": { "type": "package", "serviceable": true, "sha512": "sha512-def" },
                "Vendor.Dll/1.0.0": { "type": "reference", "serviceable": false, "sha512": "" }
              }
            }
            """);

        var packaged = AssemblyOrigins.ReadPackagedAssemblies(deps);

        Assert.Equal("Newtonsoft.Json/13.0.3 sha512-abc", packaged["Newtonsoft.Json"]);
        Assert.Equal("Native.Thing/2.0.0 sha512-def", packaged["Native.Thing"]);
        Assert.False(packaged.ContainsKey("Lib"));
        Assert.False(packaged.ContainsKey("App"));
        Assert.False(packaged.ContainsKey("Vendor.Dll"));
        Assert.Empty(AssemblyOrigins.ReadPackagedAssemblies(Path.Combine(Path.GetDirectoryName(deps)!, "missing.deps.json")));

        File.WriteAllText(deps, "{ \"runtimeTarget\": 4");
        Assert.Empty(AssemblyOrigins.ReadPackagedAssemblies(deps));
    }

    [Fact]
    public void In_this_process_the_framework_and_packages_count_by_version_and_the_tests_by_content()
    {
        var origins = AssemblyOrigins.Current;
        Assert.False(origins.Of(typeof(object).Assembly).ByContent);
        Assert.StartsWith("framework System.Private.CoreLib ", origins.Of(typeof(object).Assembly).Label, StringComparison.Ordinal);
        Assert.False(origins.Of(typeof(CSharpCompilation).Assembly).ByContent);           // a NuGet package of the test project
        Assert.StartsWith("package Microsoft.CodeAnalysis.CSharp/", origins.Of(typeof(CSharpCompilation).Assembly).Label, StringComparison.Ordinal);
        Assert.True(origins.Of(typeof(CodeIdentity).Assembly).ByContent);                 // a referenced project
        Assert.True(origins.Of(typeof(CodeIdentityTests).Assembly).ByContent);            // the program itself
    }

    private sealed record LoadedPair(Assembly Steps, AssemblyOrigins Origins, AssemblyLoadContext Context)
    {
        public string Identity(string method) => CodeIdentity.Of(Steps.GetType("Steps")!.GetMethod(method)!, Origins);
    }

    private static readonly Dictionary<string, string> ProjectLibrary = new();

    private static Dictionary<string, string> PackagedLibrary(string version) => new() { ["Lib"] = "Lib/" + version };

    /// <summary>A library and a program that references it, loaded together; the library is a package when <paramref name="packages"/> names it.</summary>
    private static LoadedPair LoadPair(string librarySource, string consumerSource, Dictionary<string, string> packages)
    {
        var library = Compile("Lib", librarySource, []);
        var consumer = Compile("Program" + Guid.NewGuid().ToString("N"), consumerSource, [MetadataReference.CreateFromImage(library)]);
        var context = new PairContext(library);
        var steps = context.LoadFromStream(new MemoryStream(consumer));
        return new LoadedPair(steps, new AssemblyOrigins(packages, AssemblyOrigins.Current.FrameworkDirectories), context);
    }

    private static byte[] Compile(string name, string source, MetadataReference[] references)
    {
        var compilation = CSharpCompilation.Create(
            name,
            [CSharpSyntaxTree.ParseText(source.ReplaceLineEndings("\n"))],
            [.. Net100.References.All, .. references],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release, deterministic: true, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        return image.ToArray();
    }

    /// <summary>Loads the library for the program that references it, as the host would from the program's folder.</summary>
    private sealed class PairContext(byte[] library) : AssemblyLoadContext(isCollectible: true)
    {
        private Assembly? _library;

        protected override Assembly? Load(AssemblyName assemblyName) =>
            assemblyName.Name == "Lib" ? _library ??= LoadFromStream(new MemoryStream(library)) : null;
    }

    private static string Identity(Assembly assembly, string method) =>
        CodeIdentity.Of(assembly.GetType("Steps")!.GetMethod(method)!);

    private static Assembly Load(string source)
    {
        var compilation = CSharpCompilation.Create(
            "Program" + Guid.NewGuid().ToString("N"),
            [CSharpSyntaxTree.ParseText(source.ReplaceLineEndings("\n"))],
            Net100.References.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release, deterministic: true));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        image.Position = 0;
        return new AssemblyLoadContext(compilation.AssemblyName, isCollectible: true).LoadFromStream(image);
    }
}
