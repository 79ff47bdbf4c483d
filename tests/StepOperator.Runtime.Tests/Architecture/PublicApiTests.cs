using System.Reflection;
using StepOperator.Azure;
using StepOperator.Docker;
using StepOperator.Modal;
using StepOperator.S3;
using StepOperator.Testing;

namespace StepOperator.Runtime.Tests.Architecture;

/// <summary>
/// What each library package makes public. The packages' PublicAPI.Shipped.txt and PublicAPI.Unshipped.txt write it
/// down and PublicApiAnalyzers fails the build when the code and the files disagree; these tests check that the files
/// are there and cover every public type, and that a backend package's public surface is what the generated flavor
/// registration names (its flavors) and, for Docker, the image API other container backends build on.
/// </summary>
public class PublicApiTests
{
    public static TheoryData<string> Libraries() => new()
    {
        "StepOperator.Runtime", "StepOperator.Docker", "StepOperator.Modal", "StepOperator.S3", "StepOperator.Azure",
    };

    private static readonly Assembly[] Assemblies =
    [
        typeof(StepOperatorHost).Assembly, typeof(DockerOrchestratorFlavor).Assembly, typeof(ModalStepOperatorFlavor).Assembly,
        typeof(S3ArtifactStoreFlavor).Assembly, typeof(AzureBlobArtifactStoreFlavor).Assembly,
    ];

    [Theory]
    [MemberData(nameof(Libraries))]
    public void The_public_api_files_name_exactly_the_public_types(string library)
    {
        var assembly = Assemblies.Single(a => a.GetName().Name == library);
        var declared = DeclaredTypes(library);

        var exported = assembly.GetExportedTypes().Select(ApiName).ToHashSet(StringComparer.Ordinal);

        Assert.True(exported.SetEquals(declared),
            $"{library}: public but not in its PublicAPI files: {string.Join(", ", exported.Except(declared).Order())}; " +
            $"in the files but not public: {string.Join(", ", declared.Except(exported).Order())}.");
    }

    [Fact]
    public void Modal_S3_and_Azure_make_only_their_flavors_public()
    {
        Assert.Equal([typeof(ModalStepOperatorFlavor)], typeof(ModalStepOperatorFlavor).Assembly.GetExportedTypes());
        Assert.Equal([typeof(S3ArtifactStoreFlavor)], typeof(S3ArtifactStoreFlavor).Assembly.GetExportedTypes());
        Assert.Equal([typeof(AzureBlobArtifactStoreFlavor)], typeof(AzureBlobArtifactStoreFlavor).Assembly.GetExportedTypes());
    }

    [Fact]
    public void The_modal_wire_protocol_is_not_public()
    {
        var protocol = typeof(ModalStepOperatorFlavor).Assembly.GetTypes().Where(t => t.Namespace == "StepOperator.Modal.Protocol").ToList();

        Assert.NotEmpty(protocol);
        Assert.DoesNotContain(protocol, t => t.IsVisible);
    }

    [Fact]
    public void The_core_keeps_orchestration_reporting_planning_and_the_command_line_internal()
    {
        string[] internalNamespaces =
        [
            "StepOperator.Runs", "StepOperator.Reporting", "StepOperator.Hosting", "StepOperator.Local", "StepOperator.Caching", "StepOperator.Rules",
        ];

        var visible = typeof(StepOperatorHost).Assembly.GetExportedTypes().Where(t => internalNamespaces.Contains(t.Namespace)).Select(t => t.FullName);

        Assert.Empty(visible);
    }

    /// <summary>The types the PublicAPI files of <paramref name="library"/> name (a line that is a type's name alone).</summary>
    private static HashSet<string> DeclaredTypes(string library)
    {
        var lines = new[] { "PublicAPI.Shipped.txt", "PublicAPI.Unshipped.txt" }
            .SelectMany(file => File.ReadAllLines(RepositoryPaths.Combine("src", library, file)))
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.StartsWith("*REMOVED*", StringComparison.Ordinal) ? null : line)
            .OfType<string>();

        // A type's own line has no member part: no "(", " -> ", " = " and does not start with a modifier.
        return lines.Where(line => !line.Contains('(') && !line.Contains(" -> ", StringComparison.Ordinal) && !line.Contains(' '))
            .Select(line => line.TrimEnd('!', '?'))
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>A type's name as the PublicAPI files write it: namespace, dots for nesting, type parameters in angle brackets.</summary>
    private static string ApiName(Type type)
    {
        var name = type.Name;
        var tick = name.IndexOf('`');
        if (tick >= 0)
        {
            var own = type.GetGenericArguments().Skip(type.DeclaringType?.GetGenericArguments().Length ?? 0).Select(a => a.Name);
            name = name[..tick] + "<" + string.Join(", ", own) + ">";
        }

        return type.DeclaringType is { } outer ? ApiName(outer) + "." + name : type.Namespace + "." + name;
    }
}
