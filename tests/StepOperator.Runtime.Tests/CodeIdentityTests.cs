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
