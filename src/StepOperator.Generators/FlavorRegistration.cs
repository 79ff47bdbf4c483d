using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace StepOperator.Generators;

/// <summary>
/// The flavors the program's references bring (each <c>[assembly: StepOperator.Flavors.Flavor(typeof(X))]</c> of a
/// referenced assembly, such as StepOperator.Modal's), registered with <c>FlavorCatalog</c> when the module loads, so a
/// backend is available exactly when its package is referenced, in the orchestrator and in every step process alike.
/// </summary>
internal static class FlavorRegistration
{
    private const string AttributeName = "StepOperator.Flavors.FlavorAttribute";
    private const string CatalogName = "StepOperator.Flavors.FlavorCatalog";

    /// <summary>The flavor types to register, fully qualified and sorted; empty when the program does not reference StepOperator.</summary>
    public static EquatableArray<string> Find(Compilation compilation, CancellationToken cancellationToken)
    {
        var attribute = compilation.GetTypeByMetadataName(AttributeName);
        if (attribute is null || compilation.GetTypeByMetadataName(CatalogName) is null)
        {
            return EquatableArray<string>.Empty;
        }

        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var assembly in compilation.SourceModule.ReferencedAssemblySymbols.Append(compilation.Assembly))
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var data in assembly.GetAttributes())
            {
                if (SymbolEqualityComparer.Default.Equals(data.AttributeClass, attribute) &&
                    data.ConstructorArguments.Length == 1 &&
                    data.ConstructorArguments[0].Value is INamedTypeSymbol flavor &&
                    IsConstructible(flavor, compilation))
                {
                    found.Add(flavor.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat));
                }
            }
        }

        return found.ToEquatableArray();
    }

    public static string Emit(EquatableArray<string> flavors)
    {
        var code = new CodeWriter();
        code.Line(CodeWriter.Header);
        code.Open("namespace StepOperator.Generated");
        code.Line("/// <summary>Registers the flavors of the backend packages this program references when the module loads.</summary>");
        code.Line("[global::System.CodeDom.Compiler.GeneratedCode(\"StepOperator.Generators\", \"1.0\")]");
        code.Open("internal static class FlavorRegistration");
        code.Line("[global::System.Runtime.CompilerServices.ModuleInitializer]");
        code.Open("internal static void Register()");
        foreach (var flavor in flavors)
        {
            code.Line($"global::StepOperator.Flavors.FlavorCatalog.Register(new {flavor}());");
        }

        code.Close();
        code.Close();
        code.Close();
        return code.ToString();
    }

    // A public, non-abstract type with a public parameterless constructor; other types are the flavor author's mistake, left out.
    private static bool IsConstructible(INamedTypeSymbol flavor, Compilation compilation) =>
        !flavor.IsAbstract &&
        !flavor.IsGenericType &&
        compilation.IsSymbolAccessibleWithin(flavor, compilation.Assembly) &&
        flavor.InstanceConstructors.Any(constructor => constructor.Parameters.Length == 0 && compilation.IsSymbolAccessibleWithin(constructor, compilation.Assembly));
}
