using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using StepOperator.CodeFixes;

namespace StepOperator.Analyzers.Tests;

/// <summary>
/// Fix All as <c>dotnet format analyzers</c> asks for it: one diagnostic ID at a time, in solution scope, with the
/// equivalence key of the first fix the provider offered for the first diagnostic found among all requested IDs.
/// That key may be another ID's, or none (the provider offers nothing for another ID's diagnostic); every
/// diagnostic of the ID must still get its fix.
/// </summary>
public class FixAllLikeDotnetFormatTests
{
    private const string Usings = "using StepOperator;\n\n";

    [Fact]
    public async Task Without_an_equivalence_key_each_diagnostic_gets_its_first_fix()
    {
        var source = """
            public static partial class Steps
            {
                [ModalStep(GpuCount = 2)]
                public static int A(int data) => data;

                [ModalStep(Memory = "32 gb")]
                public static int B(int data) => data;

                [Step(Memory = "8g", MemoryLimit = "4 gb")]
                public static int C(int data) => data;
            }
            """;

        var key = await FirstOfferedKeyAsync(source, new MemoryCodeFixProvider());
        Assert.Null(key); // the first diagnostic is SOP001's, for which the memory fix offers nothing

        var fixedSource = await FixAllAsync(source, new MemoryCodeFixProvider(), "SOP003", key);

        Assert.Contains("Memory = \"32GB\")]", fixedSource);
        Assert.Contains("[Step(Memory = \"8GB\", MemoryLimit = \"4GB\")]", fixedSource);
        Assert.Contains("GpuCount = 2", fixedSource);
    }

    [Fact]
    public async Task With_another_ids_key_each_diagnostic_gets_its_first_fix()
    {
        var source = """
            public static partial class Steps
            {
                [ModalStep(GpuCount = 2)]
                public static int A(int data) => data;

                [ModalStep(Gpu = "A100", GpuCount = 0)]
                public static int B(int data) => data;
            }
            """;

        var key = await FirstOfferedKeyAsync(source, new GpuCountCodeFixProvider());
        Assert.Equal(GpuCountCodeFixProvider.SetZeroKey, key);

        var fixedSource = await FixAllAsync(source, new GpuCountCodeFixProvider(), "SOP002", key);

        Assert.Contains("[ModalStep(Gpu = \"A100\", GpuCount = 1)]", fixedSource);
        Assert.Contains("[ModalStep(GpuCount = 2)]", fixedSource);
    }

    [Fact]
    public async Task Limits_of_both_kinds_in_one_attribute_are_all_fixed()
    {
        var source = """
            public static partial class Steps
            {
                [ModalStep(Memory = "32GB", MemoryLimit = "16GB", CpuLimit = 4)]
                public static int A(int data) => data;

                [ModalStep(Gpu = "T4", MemoryLimit = "64GB", CpuLimit = 2)]
                public static int B(int data) => data;
            }
            """;

        var fixedSource = await FixAllAsync(source, new LimitCodeFixProvider(), "SOP011", LimitCodeFixProvider.RaiseLimitKey);

        Assert.Contains("[ModalStep(Memory = \"32GB\", MemoryLimit = \"32GB\", CpuCount = 4, CpuLimit = 4)]", fixedSource);
        Assert.Contains("[ModalStep(Gpu = \"T4\", Memory = \"64GB\", MemoryLimit = \"64GB\", CpuCount = 2, CpuLimit = 2)]", fixedSource);
        Assert.Empty(await DiagnosticsAsync(fixedSource, "SOP011"));
    }

    [Fact]
    public async Task Every_provider_fixes_its_ids_in_a_file_that_has_them_all()
    {
        var source = """
            public static class Steps
            {
                [ModalStep(GpuCount = 2)]
                public static int A(int data) => data;

                [ModalStep(Memory = "32 gb", Timeout = 0)]
                public static int B(int data) => data;

                [ModalStep(Gpu = "A100_80GB", Cloud = "AWS")]
                public static int C(int data) => data;

                [ModalStep(Gpu = "A10", GpuCount = 6, MemoryLimit = "16GB")]
                public static int D(int data) => data;

                [ModalStep(Gpu = "A100", GpuCount = 0)]
                public static int E(int data) => data;
            }
            """;
        var providers = new EditingCodeFixProvider[]
        {
            new GpuCountCodeFixProvider(), new MemoryCodeFixProvider(), new SuggestionCodeFixProvider(),
            new ClampCodeFixProvider(), new LimitCodeFixProvider(), new PartialCodeFixProvider(),
        };
        var ids = new[] { "SOP003", "SOP011", "SOP004", "SOP008", "SOP005", "SOP007", "SOP101", "SOP001", "SOP002" };

        foreach (var id in ids)
        {
            var provider = providers.Single(p => p.FixableDiagnosticIds.Contains(id));
            var key = await FirstOfferedKeyAsync(source, provider, ids);
            source = await FixAllAsync(source, provider, id, key);
        }

        Assert.Empty(await DiagnosticsAsync(source, ids));
        Assert.Contains("public static partial class Steps", source);
        Assert.Contains("[ModalStep(GpuCount = 0)]", source);
        Assert.Contains("[ModalStep(Memory = \"32GB\", Timeout = 1)]", source);
        Assert.Contains("[ModalStep(Gpu = \"A100-80GB\", Cloud = \"aws\")]", source);
        Assert.Contains("[ModalStep(Gpu = \"A10\", GpuCount = 4, Memory = \"16GB\", MemoryLimit = \"16GB\")]", source);
        Assert.Contains("[ModalStep(Gpu = \"A100\", GpuCount = 1)]", source);
    }

    /// <summary>The key dotnet format passes: the first fix offered for the first diagnostic of any requested ID.</summary>
    private static async Task<string?> FirstOfferedKeyAsync(string source, CodeFixProvider provider, params string[] requested)
    {
        var document = CreateDocument(source);
        var diagnostic = (await DiagnosticsAsync(document, requested.Length > 0 ? requested : null)).First();
        CodeAction? first = null;
        var context = new CodeFixContext(document, diagnostic, (action, _) => first ??= action, CancellationToken.None);
        await provider.RegisterCodeFixesAsync(context);
        return first?.EquivalenceKey;
    }

    private static async Task<string> FixAllAsync(string source, CodeFixProvider provider, string id, string? key)
    {
        var document = CreateDocument(source);
        var diagnostics = await DiagnosticsAsync(document, null);
        if (!diagnostics.Any(d => d.Id == id))
        {
            return source;
        }

        var context = new FixAllContext(document, provider, FixAllScope.Solution, key!, new[] { id },
            new AllDiagnostics(diagnostics), CancellationToken.None);
        var action = await provider.GetFixAllProvider()!.GetFixAsync(context);
        Assert.NotNull(action);
        var operations = await action.GetOperationsAsync(CancellationToken.None);
        var changed = operations.OfType<ApplyChangesOperation>().Single().ChangedSolution;
        return (await changed.GetDocument(document.Id)!.GetTextAsync()).ToString()[Usings.Length..];
    }

    private static Document CreateDocument(string source)
    {
        var workspace = new AdhocWorkspace();
        var project = workspace.AddProject("Steps", LanguageNames.CSharp)
            .WithCompilationOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary))
            .WithMetadataReferences(TestReferences.All);
        return project.AddDocument("Steps.cs", Usings + source);
    }

    private static Task<ImmutableArray<Diagnostic>> DiagnosticsAsync(string source, params string[] ids) =>
        DiagnosticsAsync(CreateDocument(source), ids);

    private static async Task<ImmutableArray<Diagnostic>> DiagnosticsAsync(Document document, string[]? ids)
    {
        var compilation = (await document.Project.GetCompilationAsync())!;
        var analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new ResourceSettingsAnalyzer(), new StepMethodAnalyzer());
        var all = await compilation.WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync();
        return all.Where(d => ids is null || ids.Contains(d.Id)).OrderBy(d => d.Location.SourceSpan.Start).ToImmutableArray();
    }

    /// <summary>Hands out every analyzer diagnostic of the project, whatever its ID, as dotnet format does.</summary>
    private sealed class AllDiagnostics(ImmutableArray<Diagnostic> diagnostics) : FixAllContext.DiagnosticProvider
    {
        public override Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            Task.FromResult<IEnumerable<Diagnostic>>(diagnostics);

        public override async Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken)
        {
            var tree = await document.GetSyntaxTreeAsync(cancellationToken);
            return diagnostics.Where(d => d.Location.SourceTree == tree);
        }

        public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            Task.FromResult<IEnumerable<Diagnostic>>(Array.Empty<Diagnostic>());
    }
}
