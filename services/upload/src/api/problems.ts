import { HttpProblem } from "@platform/http-api";

export const conflict = (detail: string) =>
  new HttpProblem(409, "conflict", "The file is not in a state that allows this", detail);
