import assert from "node:assert/strict";
import { sixFrames, translate, translateCodon } from "./translate.ts";

Deno.test("translate() uses the standard code", async (t) => {
  const table: [string, number, string][] = [
    ["ATGGCCATTGTAATGGGCCGCTGA", 0, "MAIVMGR*"],
    ["AUGGCCAUUGUAAUGGGCCGCUGA", 0, "MAIVMGR*"],
    ["ATGTAATAGTGA", 0, "M***"],
    ["TTTTTCTTATTG", 0, "FFLL"],
    ["GGGGCGTGG", 0, "GAW"],
    ["AATGAAA", 1, "MK"],
    ["ATGNNNAA", 0, "MX"],
    ["AT", 0, ""],
  ];
  for (const [sequence, offset, protein] of table) {
    await t.step(`${sequence} from ${offset} is ${protein || "(empty)"}`, () => {
      assert.equal(translate(sequence, offset), protein);
    });
  }
});

Deno.test("translateCodon() knows all 64 codons: 61 amino acids and 3 stops", () => {
  const bases = ["T", "C", "A", "G"];
  const all = bases.flatMap((a) => bases.flatMap((b) => bases.map((c) => a + b + c)));
  const stops = all.filter((codon) => translateCodon(codon) === "*");
  assert.deepEqual(stops.sort(), ["TAA", "TAG", "TGA"]);
  assert.equal(new Set(all.map(translateCodon)).size, 21);
});

Deno.test("sixFrames() reads both strands in three offsets", () => {
  assert.deepEqual(sixFrames("ATGGCCATTGTAATGGGCCGCTGA"), {
    "+1": "MAIVMGR*",
    "+2": "WPL*WAA",
    "+3": "GHCNGPL",
    "-1": "SAAHYNGH",
    "-2": "QRPITMA",
    "-3": "SGPLQWP",
  });
});
